;; Diff fixture: a fetcher importing the outgoing HTTP handler 0.2.0.
(component $app
  (import "wasi:http/outgoing-handler@0.2.0" (instance $h (export "handle" (func (result u32)))))
  (component $fetcher
    (import "wasi:http/outgoing-handler@0.2.0" (instance (export "handle" (func (result u32)))))
    (core module $fetch (func (export "fetch") (result i32) i32.const 1))
  )
  (instance (instantiate $fetcher (with "wasi:http/outgoing-handler@0.2.0" (instance $h))))
)
