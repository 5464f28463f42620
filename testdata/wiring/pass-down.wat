;; A host import passed down two levels, renamed on the way.
(component
  (import "wasi:filesystem/preopens@0.2.0" (instance $pre (export "get-directories" (func (result u32)))))
  (component $mid
    (import "wasi:filesystem/preopens@0.2.0" (instance $pre (export "get-directories" (func (result u32)))))
    (component $leaf
      (import "fs" (instance (export "get-directories" (func (result u32)))))
      (core module $m (func (export "x")))
    )
    (instance (instantiate $leaf (with "fs" (instance $pre))))
  )
  (instance (instantiate $mid (with "wasi:filesystem/preopens@0.2.0" (instance $pre))))
)
