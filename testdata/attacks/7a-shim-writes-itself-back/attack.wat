;; A shim export is put into the bag a fixup, instantiated twice, writes
;; back into the shim's own table: slot 0 calls slot 0. Following the
;; indirection by name doubled the work at each step (every command ran
;; out of memory); it is a cycle through one table slot and reaches
;; nothing.
(component
  (core module $wit-component:shim
    (type $t (func))
    (table (export "$imports") 1 1 funcref)
    (func (export "0") (type $t) i32.const 0 call_indirect (type $t)))
  (core module $wit-component:fixups
    (import "" "0" (func))
    (import "" "$imports" (table 1 1 funcref))
    (elem (i32.const 0) func 0))
  (core module $main (import "x" "f" (func)) (func (export "run") call 0) (func (export "g")))
  (core instance $s (instantiate $wit-component:shim))
  (core instance $bag (export "0" (func $s "0")) (export "$imports" (table $s "$imports")))
  (core instance (instantiate $wit-component:fixups (with "" (instance $bag))))
  (core instance (instantiate $wit-component:fixups (with "" (instance $bag))))
  (core instance $x (export "f" (func $s "0")))
  (core instance (instantiate $main (with "x" (instance $x)))))
