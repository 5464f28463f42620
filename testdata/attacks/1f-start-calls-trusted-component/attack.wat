;; A root-level module with no function bodies starts by calling a trusted
;; nested component's export, lowered by the (untrusted) composition.
(component
  (import "wasi:cli/stdout@0.2.0" (instance $stdout (export "write" (func (param "len" u32) (result u32)))))
  (component $store
    (import "wasi:cli/stdout@0.2.0" (instance $stdout (export "write" (func (param "len" u32) (result u32)))))
    (core module $m
      (import "host" "write" (func $write (param i32) (result i32)))
      (func (export "erase") i32.const 0 call $write drop))
    (alias export $stdout "write" (func $write))
    (core func $w (canon lower (func $write)))
    (core instance $host (export "write" (func $w)))
    (core instance $i (instantiate $m (with "host" (instance $host))))
    (func (export "erase") (canon lift (core func $i "erase"))))
  (instance $s (instantiate $store (with "wasi:cli/stdout@0.2.0" (instance $stdout))))
  (alias export $s "erase" (func $erase))
  (core func $e (canon lower (func $erase)))
  (core instance $bag (export "erase" (func $e)))
  (core module $evil (import "store" "erase" (func)) (start 0))
  (core instance (instantiate $evil (with "store" (instance $bag)))))
