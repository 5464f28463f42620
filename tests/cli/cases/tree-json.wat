;; RUN: tree --format json --no-wit %
(component
  (core module $m (memory (export "memory") 1))
  (core instance (instantiate $m)))
