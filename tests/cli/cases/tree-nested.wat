;; RUN: tree %
;; A component nesting a component that holds a core module.
(component
  (component $inner
    (core module $m (func (export "f")))
    (core instance (instantiate $m)))
  (instance (instantiate $inner)))
