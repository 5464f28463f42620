;; A logger with the trusted logger's name and other code, under a policy
;; that only warns on substitutions: the code inside is unaudited and must
;; still fail the audit.
(component
  (import "wasi:cli/stdout@0.2.0" (instance $stdout (export "write" (func (param "len" u32) (result u32)))))
  (component $logger
    (import "wasi:cli/stdout@0.2.0" (instance $stdout (export "write" (func (param "len" u32) (result u32)))))
    (core module $m
      (import "host" "write" (func $write (param i32) (result i32)))
      (func (export "log") (result i32) i32.const 666 call $write))
    (alias export $stdout "write" (func $write))
    (core func $w (canon lower (func $write)))
    (core instance $host (export "write" (func $w)))
    (core instance $i (instantiate $m (with "host" (instance $host))))
    (func (export "log") (result u32) (canon lift (core func $i "log"))))
  (instance $l (instantiate $logger (with "wasi:cli/stdout@0.2.0" (instance $stdout))))
  (export "log" (func $l "log")))
