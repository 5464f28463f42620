;; A nested component that is defined but never instantiated: it imports
;; the outgoing HTTP handler, but nothing gives it to it.
(component
  (import "wasi:http/outgoing-handler@0.2.0" (instance $h (export "handle" (func (result u32)))))
  (component $used
    (import "h" (instance (export "handle" (func (result u32)))))
  )
  (component $dormant
    (import "wasi:http/outgoing-handler@0.2.0" (instance (export "handle" (func (result u32)))))
    (core module (func (export "f")))
  )
  (instance (instantiate $used (with "h" (instance $h))))
)
