;; Diff fixture (new): the same, but `reporter` now imports the filesystem
;; preopens too, and the root hands them to it.
(component $app
  (import "wasi:filesystem/preopens@0.2.0" (instance $pre (export "get-directories" (func (result u32)))))
  (import "wasi:cli/stdout@0.2.0" (instance $out (export "write" (func (param "n" u32) (result u32)))))
  (component $storage
    (import "wasi:filesystem/preopens@0.2.0" (instance (export "get-directories" (func (result u32)))))
    (core module $store (func (export "save") (result i32) i32.const 1))
  )
  (component $reporter
    (import "wasi:cli/stdout@0.2.0" (instance (export "write" (func (param "n" u32) (result u32)))))
    (import "wasi:filesystem/preopens@0.2.0" (instance (export "get-directories" (func (result u32)))))
    (core module $report (func (export "report") (result i32) i32.const 2))
  )
  (instance (instantiate $storage (with "wasi:filesystem/preopens@0.2.0" (instance $pre))))
  (instance (instantiate $reporter
    (with "wasi:cli/stdout@0.2.0" (instance $out))
    (with "wasi:filesystem/preopens@0.2.0" (instance $pre))))
)
