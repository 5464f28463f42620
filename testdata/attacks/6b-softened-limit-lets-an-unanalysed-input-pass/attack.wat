;; Code nested past the policy's depth limit: the input is never analysed.
;; A policy that makes `limit-exceeded` a warning would let it pass.
(component
  (component
    (component
      (core module (func (export "f"))))))
