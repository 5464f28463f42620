;; Each level instantiates the level below twice, with its two imports
;; in both orders: 2^40 distinct instantiations in a few kilobytes. The
;; resolution stops at its work budget (--max-wiring-work): the input is
;; not audited, and `check` fails.
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
  (component $c5
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c4 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c6
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c5 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c7
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c6 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c8
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c7 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c9
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c8 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c10
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c9 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c11
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c10 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c12
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c11 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c13
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c12 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c14
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c13 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c15
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c14 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c16
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c15 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c17
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c16 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c18
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c17 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c19
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c18 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c20
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c19 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c21
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c20 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c22
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c21 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c23
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c22 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c24
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c23 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c25
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c24 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c26
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c25 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c27
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c26 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c28
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c27 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c29
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c28 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c30
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c29 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c31
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c30 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c32
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c31 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c33
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c32 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c34
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c33 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c35
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c34 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c36
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c35 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c37
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c36 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c38
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c37 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c39
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c38 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (component $c40
    (import "f" (func $f)) (import "g" (func $g))
    (alias outer 1 $c39 (component $c))
    (instance (instantiate $c (with "f" (func $f)) (with "g" (func $g))))
    (instance (instantiate $c (with "f" (func $g)) (with "g" (func $f)))))
  (instance (instantiate $c40 (with "f" (func $f)) (with "g" (func $g)))))
