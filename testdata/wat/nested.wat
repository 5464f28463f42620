;; A hand-written composition three levels deep, used by the CLI tests.
;; root (glue) ─ component[0] "app" (code) ─ component[0] "leaf" (code)
;;                                         └ module[0] (code, 2 bodies)
;;             └ module[0] (glue: imports only)
(component $root
  (import "wasi:cli/stdout@0.2.0" (instance $stdout))
  (import "wasi:filesystem/preopens@0.2.0" (instance $preopens))
  (core module $imports-only
    (import "env" "f" (func))
  )
  (component $app
    (core module $main
      (func (export "a") (result i32) i32.const 1)
      (func (export "b") (result i32) i32.const 2)
    )
    (component $leaf
      (core module $leaf-code
        (func (export "c"))
      )
      (@custom "authors" "Leaf Team <leaf@example.com>")
    )
  )
  (component $unused)
)
