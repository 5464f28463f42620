;; RUN: graph %
;; Two components: one gets the filesystem from the host, the other the
;; first one's export.
(component
  (import "wasi:filesystem/preopens@0.2.0" (instance $fs (export "get-directories" (func (result u32)))))
  (component $store
    (import "fs" (instance $fs (export "get-directories" (func (result u32)))))
    (core module $m (func (export "n") (result i32) i32.const 1))
    (core instance $i (instantiate $m))
    (func (export "count") (result u32) (canon lift (core func $i "n"))))
  (component $app
    (import "store" (instance (export "count" (func (result u32)))))
    (core module $m (func (export "run"))))
  (instance $s (instantiate $store (with "fs" (instance $fs))))
  (instance (instantiate $app (with "store" (instance $s)))))
