;; The honest composition: the loader is given nothing to run.
(component
  (import "wasi:cli/stdout@0.2.0" (instance $stdout (export "write" (func (param "len" u32) (result u32)))))
  (import "plugin" (component $plugin
    (import "wasi:cli/stdout@0.2.0" (instance (export "write" (func (param "len" u32) (result u32)))))
    (export "run" (func (result u32)))))
  (component $loader
    (import "wasi:cli/stdout@0.2.0" (instance $stdout (export "write" (func (param "len" u32) (result u32))))))
  (instance $l (instantiate $loader (with "wasi:cli/stdout@0.2.0" (instance $stdout)))))
