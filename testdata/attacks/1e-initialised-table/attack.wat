;; A module with no function bodies defines a table whose every slot holds
;; a lowered wasi:filesystem function (a table initialiser, not a
;; segment); the trusted module imports the table and calls slot 0.
(component
  (import "wasi:cli/stdout@0.2.0" (instance $stdout (export "write" (func (param "len" u32) (result u32)))))
  (import "wasi:filesystem/preopens@0.2.0" (instance $fs (export "get-directories" (func (result u32)))))
  (core module $app
    (import "host" "write" (func $write (param i32) (result i32)))
    (import "lib" "table" (table 1 funcref))
    (type $t (func (result i32)))
    (func (export "run") (result i32) i32.const 0 call_indirect (type $t)))
  (core module $evil
    (import "fs" "get-directories" (func $gd (result i32)))
    (table (export "table") 1 funcref (ref.func $gd)))
  (alias export $stdout "write" (func $write))
  (core func $w (canon lower (func $write)))
  (alias export $fs "get-directories" (func $gd))
  (core func $g (canon lower (func $gd)))
  (core instance $host (export "write" (func $w)))
  (core instance $fsi (export "get-directories" (func $g)))
  (core instance $e (instantiate $evil (with "fs" (instance $fsi))))
  (core instance $a (instantiate $app (with "host" (instance $host)) (with "lib" (instance $e))))
  (func $run (result u32) (canon lift (core func $a "run")))
  (export "run" (func $run)))
