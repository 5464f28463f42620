;; Two nested components instantiated side by side: the provider's export
;; satisfies the consumer's import; the root passes its host import down.
(component
  (import "wasi:cli/stdout@0.2.0" (instance $stdout (export "get-stdout" (func (result u32)))))
  (component $provider
    (core module $m (func (export "get") (result i32) i32.const 42))
    (core instance $i (instantiate $m))
    (func $get (result u32) (canon lift (core func $i "get")))
    (instance $api (export "get" (func $get)))
    (export "example:demo/api" (instance $api))
  )
  (component $consumer
    (import "example:demo/api" (instance (export "get" (func (result u32)))))
    (import "wasi:cli/stdout@0.2.0" (instance (export "get-stdout" (func (result u32)))))
  )
  (instance $p (instantiate $provider))
  (alias export $p "example:demo/api" (instance $api))
  (instance $c (instantiate $consumer
    (with "example:demo/api" (instance $api))
    (with "wasi:cli/stdout@0.2.0" (instance $stdout))))
)
