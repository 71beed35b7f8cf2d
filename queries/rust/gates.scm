; Evidence that closes acceptance gates. `@gate.observability`: the function emits a log, a
; trace or a metric, so it can be debugged in operation.

; `tracing` and `log` events and spans: `info!(...)`, `tracing::warn!(...)`, `log::error!(...)`.
(macro_invocation
  macro: [
    (identifier) @_macro
    (scoped_identifier
      name: (identifier) @_macro)
  ]
  (#any-of? @_macro "trace" "debug" "info" "warn" "error" "event" "span" "trace_span" "debug_span" "info_span" "warn_span" "error_span")) @gate.observability

; `#[instrument]` / `#[tracing::instrument(...)]` on the function.
(attribute_item
  (attribute
    [
      (identifier) @_attr
      (scoped_identifier
        name: (identifier) @_attr)
    ])
  (#eq? @_attr "instrument")) @gate.observability

; Metrics: the `metrics` crate's macros.
(macro_invocation
  macro: [
    (identifier) @_macro
    (scoped_identifier
      name: (identifier) @_macro)
  ]
  (#any-of? @_macro "counter" "gauge" "histogram" "increment_counter" "increment_gauge" "describe_counter")) @gate.observability
