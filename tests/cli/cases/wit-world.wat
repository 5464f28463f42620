;; RUN: wit %
;; The WIT world of a component: what it imports and exports.
(component
  (import "wasi:cli/stdout@0.2.0" (instance (export "write" (func (param "len" u32) (result u32)))))
  (core module $m (func (export "run") (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (func (export "run") (result u32) (canon lift (core func $i "run"))))
