;; RUN: caps %
;; A module passed to a component as a value is instantiated there, with
;; the filesystem; the module defined but never passed reaches nothing.
(component
  (import "wasi:filesystem/preopens@0.2.0" (instance $fs (export "get-directories" (func (result u32)))))
  (alias export $fs "get-directories" (func $gd))
  (component $runner
    (import "m" (core module $m (import "host" "gd" (func (result i32)))))
    (import "gd" (func $gd (result u32)))
    (core func $low (canon lower (func $gd)))
    (core instance $host (export "gd" (func $low)))
    (core instance (instantiate $m (with "host" (instance $host)))))
  (core module $app (import "host" "gd" (func (result i32))))
  (core module $unused (import "host" "gd" (func (result i32))))
  (instance (instantiate $runner (with "m" (core module $app)) (with "gd" (func $gd)))))
