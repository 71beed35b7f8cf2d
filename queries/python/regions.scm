; Regions of Python code: what gets a lane of its own.
; A `def` anywhere is a function (nested ones too); lanes calls a function directly inside a
; class a method.

(function_definition
  name: (identifier) @name) @region.function

(class_definition
  name: (identifier) @name) @region.class
