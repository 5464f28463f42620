;; The honest composition: the bodiless module only imports the export.
(component
  (import "wasi:cli/stdout@0.2.0" (instance $stdout (export "write" (func (param "len" u32) (result u32)))))
  (core module $app
    (import "host" "write" (func $write (param i32) (result i32)))
    (func (export "wipe") i32.const 0 call $write drop)
    (func (export "run") (result i32) i32.const 1 call $write))
  (core module $evil (import "app" "wipe" (func)))
  (alias export $stdout "write" (func $write))
  (core func $w (canon lower (func $write)))
  (core instance $host (export "write" (func $w)))
  (core instance $a (instantiate $app (with "host" (instance $host))))
  (core instance $e (instantiate $evil (with "app" (instance $a))))
  (func $run (result u32) (canon lift (core func $a "run")))
  (export "run" (func $run)))
