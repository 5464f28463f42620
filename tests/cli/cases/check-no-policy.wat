;; RUN: check %
;; EXIT: 1
;; With no policy and no trust set, code is unknown: the default policy
;; denies it.
(component
  (core module $m (func (export "f")))
  (core instance (instantiate $m)))
