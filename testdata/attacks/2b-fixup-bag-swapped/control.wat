;; What wit-component makes of an application module and a preview1
;; adapter: the application imports `fd_write` from a shim (slot 0), the
;; adapter imports `wasi:cli/stdout` `write` (slot 1) and
;; `wasi:filesystem/types` `read` (slot 2) from it, and the fixup fills
;; slot N with the function its bag names N. The filesystem reaches the
;; adapter, not the application.
(component
  (import "wasi:cli/stdout@0.2.0" (instance $stdout (export "write" (func (param "len" u32) (result u32)))))
  (import "wasi:filesystem/types@0.2.0" (instance $fs (export "read" (func (param "fd" u32) (result u32)))))
  (core module $main
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32) (result i32)))
    (func (export "run") (result i32) i32.const 1 call $fd_write))
  (core module $adapter
    (import "wasi:cli/stdout@0.2.0" "write" (func $write (param i32) (result i32)))
    (import "wasi:filesystem/types@0.2.0" "read" (func $read (param i32) (result i32)))
    (func (export "fd_write") (param i32) (result i32) local.get 0 call $write)
    (func (export "fd_read") (param i32) (result i32) local.get 0 call $read))
  (core module $shim
    (type $t (func (param i32) (result i32)))
    (table (export "$imports") 3 3 funcref)
    (func (export "0") (type $t) local.get 0 i32.const 0 call_indirect (type $t))
    (func (export "1") (type $t) local.get 0 i32.const 1 call_indirect (type $t))
    (func (export "2") (type $t) local.get 0 i32.const 2 call_indirect (type $t)))
  (core module $fixup
    (type $t (func (param i32) (result i32)))
    (import "" "0" (func (type $t)))
    (import "" "1" (func (type $t)))
    (import "" "2" (func (type $t)))
    (import "" "$imports" (table 3 3 funcref))
    (elem (i32.const 0) func 0 1 2))
  (core instance $s (instantiate $shim))
  (core instance $main-imports (export "fd_write" (func $s "0")))
  (core instance $m (instantiate $main (with "wasi_snapshot_preview1" (instance $main-imports))))
  (core instance $stdout-imports (export "write" (func $s "1")))
  (core instance $fs-imports (export "read" (func $s "2")))
  (core instance $a (instantiate $adapter
    (with "wasi:cli/stdout@0.2.0" (instance $stdout-imports))
    (with "wasi:filesystem/types@0.2.0" (instance $fs-imports))))
  (alias export $stdout "write" (func $write))
  (core func $write-lowered (canon lower (func $write)))
  (alias export $fs "read" (func $read))
  (core func $read-lowered (canon lower (func $read)))
  (core instance $fixup-args
    (export "0" (func $a "fd_write"))
    (export "1" (func $write-lowered))
    (export "2" (func $read-lowered))
    (export "$imports" (table $s "$imports")))
  (core instance (instantiate $fixup (with "" (instance $fixup-args))))
  (func $run (result u32) (canon lift (core func $m "run")))
  (export "run" (func $run)))
