;; RUN: caps --max-wiring-work 5 %
;; EXIT: 2
;; A budget too small for even this: the error names the flag.
(component
  (import "f" (func $f))
  (component $c (import "f" (func)))
  (instance (instantiate $c (with "f" (func $f)))))
