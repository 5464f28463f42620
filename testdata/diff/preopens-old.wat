;; Diff fixture (old): the root hands the filesystem preopens to `storage`
;; only; `reporter` gets stdout.
(component $app
  (import "wasi:filesystem/preopens@0.2.0" (instance $pre (export "get-directories" (func (result u32)))))
  (import "wasi:cli/stdout@0.2.0" (instance $out (export "write" (func (param "n" u32) (result u32)))))
  (component $storage
    (import "wasi:filesystem/preopens@0.2.0" (instance (export "get-directories" (func (result u32)))))
    (core module $store (func (export "save") (result i32) i32.const 1))
  )
  (component $reporter
    (import "wasi:cli/stdout@0.2.0" (instance (export "write" (func (param "n" u32) (result u32)))))
    (core module $report (func (export "report") (result i32) i32.const 2))
  )
  (instance (instantiate $storage (with "wasi:filesystem/preopens@0.2.0" (instance $pre))))
  (instance (instantiate $reporter (with "wasi:cli/stdout@0.2.0" (instance $out))))
)
