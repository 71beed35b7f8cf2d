; Evidence that closes acceptance gates. `@gate.observability`: the function emits a log, a
; trace or a metric, so it can be debugged in operation.

; Logging through a logger (`logger.info(...)`, `log.exception(...)`, `logging.warning(...)`).
(call
  function: (attribute
    object: (identifier) @_logger
    attribute: (identifier) @_level)
  (#any-of? @_logger "logger" "log" "logging" "_logger" "_log" "LOGGER" "LOG" "structlog" "audit_logger")
  (#any-of? @_level "debug" "info" "warning" "warn" "error" "exception" "critical" "log" "msg" "bind")) @gate.observability

; `self.logger.info(...)` and `structlog.get_logger().info(...)`.
(call
  function: (attribute
    object: (attribute
      attribute: (identifier) @_logger)
    attribute: (identifier) @_level)
  (#any-of? @_logger "logger" "log" "_logger" "_log")
  (#any-of? @_level "debug" "info" "warning" "warn" "error" "exception" "critical" "log")) @gate.observability

; OpenTelemetry spans.
(call
  function: (attribute
    attribute: (identifier) @_span)
  (#any-of? @_span "start_as_current_span" "start_span" "record_exception" "add_event")) @gate.observability

; Metrics: statsd, prometheus_client, and OpenTelemetry instruments.
(call
  function: (attribute
    attribute: (identifier) @_metric)
  (#any-of? @_metric "incr" "decr" "timing" "gauge" "histogram" "observe" "inc" "set_function" "add" "record")
  (#match? @_metric "^(incr|decr|timing|gauge|histogram|observe|inc)$")) @gate.observability
