;; The same shim and fixup, filled once with a function of the main module.
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
  (core instance $x (export "f" (func $s "0")))
  (core instance $m (instantiate $main (with "x" (instance $x))))
  (core instance $bag (export "0" (func $m "g")) (export "$imports" (table $s "$imports")))
  (core instance (instantiate $wit-component:fixups (with "" (instance $bag)))))
