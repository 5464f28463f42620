;; RUN: caps %
;; A host function lowered into an adapter module, whose export the
;; application imports: the filesystem reaches the adapter, not the
;; application.
(component
  (import "wasi:filesystem/types@0.2.0" (instance $fs (export "read" (func (param "fd" u32) (result u32)))))
  (alias export $fs "read" (func $read))
  (core func $read-lowered (canon lower (func $read)))
  (core module $adapter
    (import "wasi:filesystem/types@0.2.0" "read" (func $r (param i32) (result i32)))
    (func (export "fd_read") (param i32) (result i32) local.get 0 call $r))
  (core module $app
    (import "wasi_snapshot_preview1" "fd_read" (func (param i32) (result i32)))
    (func (export "run")))
  (core instance $host-bag (export "read" (func $read-lowered)))
  (core instance $adapter-i (instantiate $adapter (with "wasi:filesystem/types@0.2.0" (instance $host-bag))))
  (core instance $app-i (instantiate $app (with "wasi_snapshot_preview1" (instance $adapter-i)))))
