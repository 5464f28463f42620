;; RUN: caps %
;; A labelled import with an `implements` name: listed by its label, with
;; what it implements, in the family of what it implements.
(component
  (import "net" (implements "wasi:sockets/tcp@0.2.0") (instance $net (export "connect" (func (result u32)))))
  (component $client (import "tcp" (instance (export "connect" (func (result u32))))))
  (instance (instantiate $client (with "tcp" (instance $net)))))
