;; Instance bags nested 17 deep (as deep as the validator's type-size limit
;; allows), each holding the one below twice: 2^17 paths to the one
;; imported function, given to a component. Each bag is resolved once.
(component
  (import "wasi:filesystem/preopens@0.2.0" (instance $fs (export "get-directories" (func (result u32)))))
  (alias export $fs "get-directories" (func $f))
  (instance $b0 (export "a" (func $f)) (export "b" (func $f)))
  (instance $b1 (export "a" (instance $b0)) (export "b" (instance $b0)))
  (instance $b2 (export "a" (instance $b1)) (export "b" (instance $b1)))
  (instance $b3 (export "a" (instance $b2)) (export "b" (instance $b2)))
  (instance $b4 (export "a" (instance $b3)) (export "b" (instance $b3)))
  (instance $b5 (export "a" (instance $b4)) (export "b" (instance $b4)))
  (instance $b6 (export "a" (instance $b5)) (export "b" (instance $b5)))
  (instance $b7 (export "a" (instance $b6)) (export "b" (instance $b6)))
  (instance $b8 (export "a" (instance $b7)) (export "b" (instance $b7)))
  (instance $b9 (export "a" (instance $b8)) (export "b" (instance $b8)))
  (instance $b10 (export "a" (instance $b9)) (export "b" (instance $b9)))
  (instance $b11 (export "a" (instance $b10)) (export "b" (instance $b10)))
  (instance $b12 (export "a" (instance $b11)) (export "b" (instance $b11)))
  (instance $b13 (export "a" (instance $b12)) (export "b" (instance $b12)))
  (instance $b14 (export "a" (instance $b13)) (export "b" (instance $b13)))
  (instance $b15 (export "a" (instance $b14)) (export "b" (instance $b14)))
  (instance $b16 (export "a" (instance $b15)) (export "b" (instance $b15)))
  (instance $b17 (export "a" (instance $b16)) (export "b" (instance $b16)))
  (component $sink
    (import "x" (instance))
    (core module $m (func (export "run")))
    (core instance (instantiate $m)))
  (instance (instantiate $sink (with "x" (instance $b17)))))
