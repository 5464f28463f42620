;; wit-component's indirection, followed slot by slot: the application
;; calls shim export 0, the fixup fills slot 0 with the adapter's
;; `fd_write` and slot 1 with the lowered filesystem `read`, which the
;; adapter calls through shim export 1. The filesystem reaches the adapter
;; (through the shim), and the application's import is satisfied by the
;; adapter (what slot 0 holds), not by the shim.
(component
  (import "wasi:filesystem/types@0.2.0" (instance $fs (export "read" (func (param "fd" u32) (result u32)))))
  (core module $main (import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i32))))
  (core module $adapter
    (import "wasi:filesystem/types@0.2.0" "read" (func $read (param i32) (result i32)))
    (func (export "fd_write") (param i32) (result i32) local.get 0 call $read))
  (core module $shim
    (type $t (func (param i32) (result i32)))
    (table (export "$imports") 2 2 funcref)
    (func (export "0") (type $t) local.get 0 i32.const 0 call_indirect (type $t))
    (func (export "1") (type $t) local.get 0 i32.const 1 call_indirect (type $t)))
  (core module $fixup
    (type $t (func (param i32) (result i32)))
    (import "" "0" (func (type $t)))
    (import "" "1" (func (type $t)))
    (import "" "$imports" (table 2 2 funcref))
    (elem (i32.const 0) func 0 1))
  (core instance $s (instantiate $shim))
  (core instance $mi (export "fd_write" (func $s "0")))
  (core instance $m (instantiate $main (with "wasi_snapshot_preview1" (instance $mi))))
  (core instance $ai (export "read" (func $s "1")))
  (core instance $a (instantiate $adapter (with "wasi:filesystem/types@0.2.0" (instance $ai))))
  (alias export $fs "read" (func $read))
  (core func $read-lowered (canon lower (func $read)))
  (core instance $fi
    (export "0" (func $a "fd_write"))
    (export "1" (func $read-lowered))
    (export "$imports" (table $s "$imports")))
  (core instance (instantiate $fixup (with "" (instance $fi)))))
