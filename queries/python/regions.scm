; Regions of Python code: what gets a lane of its own.
; A `def` anywhere is a function (nested ones too); a `def` directly in a class body is a method.

(function_definition
  name: (identifier) @name) @region.function

; Methods, plain and decorated.
(class_definition
  body: (block
    (function_definition
      name: (identifier) @name) @region.method))

(class_definition
  body: (block
    (decorated_definition
      definition: (function_definition
        name: (identifier) @name) @region.method)))

(class_definition
  name: (identifier) @name) @region.class
