;; RUN: tree %
;; EXIT: 2
;; WAT text that does not assemble: one error line, exit 2.
(component (core module (func (export "f") i32.add)
