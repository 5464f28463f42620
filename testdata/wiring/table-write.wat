;; An element segment of one module writes a lowered host function into a
;; table another module defines and exports: the function reaches the
;; table's owner (through the table, as the via says), and the writer,
;; which imports it.
(component
  (import "wasi:sockets/tcp@0.2.0" (instance $tcp (export "connect" (func (result u32)))))
  (core module $owner (table (export "t") 1 funcref) (func (export "run")))
  (core module $writer
    (import "owner" "t" (table 1 funcref))
    (import "net" "connect" (func (result i32)))
    (elem (i32.const 0) func 0))
  (alias export $tcp "connect" (func $connect))
  (core func $c (canon lower (func $connect)))
  (core instance $net (export "connect" (func $c)))
  (core instance $o (instantiate $owner))
  (core instance (instantiate $writer (with "owner" (instance $o)) (with "net" (instance $net)))))
