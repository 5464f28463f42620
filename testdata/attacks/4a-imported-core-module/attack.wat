;; The composition imports a core module from the host and instantiates
;; it: code supplied at link time, which no digest can vouch for. It
;; carries no code of its own, so nothing else would fail.
(component
  (import "wasi:cli/stdout@0.2.0" (instance $stdout (export "write" (func (param "len" u32) (result u32)))))
  (import "plugin" (core module $plugin
    (import "host" "write" (func (param i32) (result i32)))
    (export "run" (func (result i32)))))
  (alias export $stdout "write" (func $write))
  (core func $w (canon lower (func $write)))
  (core instance $host (export "write" (func $w)))
  (core instance $p (instantiate $plugin (with "host" (instance $host))))
  (func $run (result u32) (canon lift (core func $p "run")))
  (export "run" (func $run)))
