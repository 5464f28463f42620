;; Functions of two host interfaces gathered into one instance (a
;; FromExports bag) and handed to a nested component as `env`.
(component
  (import "wasi:clocks/wall-clock@0.2.0" (instance $clock (export "now" (func (result u64)))))
  (import "wasi:random/random@0.2.0" (instance $rand (export "get" (func (result u64)))))
  (alias export $clock "now" (func $now))
  (alias export $rand "get" (func $get))
  (component $user
    (import "env" (instance (export "now" (func (result u64))) (export "rand" (func (result u64)))))
  )
  (instance $bag (export "now" (func $now)) (export "rand" (func $get)))
  (instance (instantiate $user (with "env" (instance $bag))))
)
