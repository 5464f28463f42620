;; RUN: check --format json %
;; EXIT: 1
;; Code the host supplies at link time can never be audited.
(component
  (import "plugin" (core module $p (export "run" (func))))
  (core instance (instantiate $p)))
