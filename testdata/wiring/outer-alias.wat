;; A component defined in the root and instantiated, through an outer
;; alias, inside a sibling that hands it the socket capability.
(component $root
  (import "wasi:sockets/tcp@0.2.0" (instance $tcp (export "connect" (func (result u32)))))
  (component $shared
    (import "net" (instance (export "connect" (func (result u32)))))
  )
  (component $wrapper
    (import "wasi:sockets/tcp@0.2.0" (instance $t (export "connect" (func (result u32)))))
    (alias outer $root $shared (component $shared-copy))
    (instance (instantiate $shared-copy (with "net" (instance $t))))
  )
  (instance (instantiate $wrapper (with "wasi:sockets/tcp@0.2.0" (instance $tcp))))
)
