;; The same sink given the filesystem instance itself.
(component
  (import "wasi:filesystem/preopens@0.2.0" (instance $fs (export "get-directories" (func (result u32)))))
  (component $sink
    (import "x" (instance))
    (core module $m (func (export "run")))
    (core instance (instantiate $m)))
  (instance (instantiate $sink (with "x" (instance $fs)))))
