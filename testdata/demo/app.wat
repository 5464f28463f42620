;; The demo composition: a greeter that logs through a logger; the logger
;; gets the host's stdout. Both parts carry code; the root only wires them.
;; Rebuild app.wasm and the signed trust set with ./regenerate.sh.
(component $app
  (import "wasi:cli/stdout@0.2.0" (instance $stdout
    (export "write" (func (param "len" u32) (result u32)))))

  (component $logger
    (import "wasi:cli/stdout@0.2.0" (instance $out
      (export "write" (func (param "len" u32) (result u32)))))
    (core module $log-code
      (import "host" "write" (func $write (param i32) (result i32)))
      (func (export "log") (param i32) (result i32)
        local.get 0
        call $write)
    )
    (alias export $out "write" (func $write))
    (core func $write-lowered (canon lower (func $write)))
    (core instance $host (export "write" (func $write-lowered)))
    (core instance $i (instantiate $log-code (with "host" (instance $host))))
    (func $log (param "len" u32) (result u32) (canon lift (core func $i "log")))
    (instance $api (export "log" (func $log)))
    (export "demo:app/log" (instance $api))
  )

  (component $greeter
    (import "demo:app/log" (instance $log
      (export "log" (func (param "len" u32) (result u32)))))
    (core module $greet-code
      (import "log" "log" (func $log (param i32) (result i32)))
      (func (export "greet") (result i32)
        i32.const 5
        call $log)
    )
    (alias export $log "log" (func $log-f))
    (core func $log-lowered (canon lower (func $log-f)))
    (core instance $imports (export "log" (func $log-lowered)))
    (core instance $i (instantiate $greet-code (with "log" (instance $imports))))
    (func $greet (result u32) (canon lift (core func $i "greet")))
    (instance $api (export "greet" (func $greet)))
    (export "demo:app/greet" (instance $api))
  )

  (instance $l (instantiate $logger (with "wasi:cli/stdout@0.2.0" (instance $stdout))))
  (alias export $l "demo:app/log" (instance $log))
  (instance $g (instantiate $greeter (with "demo:app/log" (instance $log))))
  (alias export $g "demo:app/greet" (instance $greet))
  (export "demo:app/greet" (instance $greet))
)
