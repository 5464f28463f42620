;; One component instantiated twice with different arguments, and a
;; sibling that re-exports the instance it was given: each instance keeps
;; its own arguments, and a capability re-exported by a sibling is still
;; that capability.
(component
  (import "wasi:cli/stdout@0.2.0" (instance $out (export "write" (func))))
  (import "wasi:filesystem/preopens@0.2.0" (instance $fs (export "write" (func))))
  (component $relay
    (import "x" (instance $x (export "write" (func))))
    (export "x" (instance $x)))
  (component $user (import "sink" (instance (export "write" (func)))))
  (instance $r (instantiate $relay (with "x" (instance $fs))))
  (instance (instantiate $user (with "sink" (instance $out))))
  (instance (instantiate $user (with "sink" (instance $r "x")))))
