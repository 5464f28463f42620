;; A nested component instantiates a component the root imports from the
;; host and hands down.
(component
  (import "wasi:cli/stdout@0.2.0" (instance $stdout (export "write" (func (param "len" u32) (result u32)))))
  (import "plugin" (component $plugin
    (import "wasi:cli/stdout@0.2.0" (instance (export "write" (func (param "len" u32) (result u32)))))
    (export "run" (func (result u32)))))
  (component $loader
    (import "p" (component $p
      (import "wasi:cli/stdout@0.2.0" (instance (export "write" (func (param "len" u32) (result u32)))))
      (export "run" (func (result u32)))))
    (import "wasi:cli/stdout@0.2.0" (instance $stdout (export "write" (func (param "len" u32) (result u32)))))
    (instance $i (instantiate $p (with "wasi:cli/stdout@0.2.0" (instance $stdout))))
    (export "run" (func $i "run")))
  (instance $l (instantiate $loader (with "p" (component $plugin)) (with "wasi:cli/stdout@0.2.0" (instance $stdout))))
  (export "run" (func $l "run")))
