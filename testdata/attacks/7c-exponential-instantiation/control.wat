;; The same with 4 levels: 16 instantiations, audited.
(component
  (import "f" (func $f))
  (import "g" (func $g))
  (component $c0 (import "f" (func)) (import "g" (func)))
  (component $c1
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c0 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c2
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c1 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c3
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c2 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c4
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c3 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (instance (instantiate $c4 (with "f" (func $f)) (with "g" (func $g)))))
