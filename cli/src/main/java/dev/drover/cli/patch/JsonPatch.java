package dev.drover.cli.patch;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON patch (RFC 6902): a list of add, remove, replace, move, copy and test operations applied in
 * order to a JSON document. All or nothing: the operations work on a copy, and the first one that
 * fails stops the patch with a {@link PatchException} naming its position, op and path.
 */
public final class JsonPatch {

  private static final Set<String> OPS = Set.of("add", "remove", "replace", "move", "copy", "test");

  private final List<?> operations;

  private JsonPatch(List<?> operations) {
    this.operations = operations;
  }

  /** A patch from its parsed JSON form: a list of operation objects. */
  public static JsonPatch of(Object parsed) {
    if (!(parsed instanceof List<?> list)) {
      throw new PatchException(
          "a JSON patch is a list of operations, e.g. [{\"op\": \"add\", ...}]");
    }
    return new JsonPatch(list);
  }

  /** The document after every operation; the argument is not changed. */
  public Object apply(Object document) {
    Object[] root = {JsonTrees.copy(document)};
    for (int i = 0; i < operations.size(); i++) {
      new Step(i, operations.get(i)).run(root);
    }
    return root[0];
  }

  /** One operation, with what its errors need to say where they happened. */
  private static final class Step {
    private final int index;
    private final Map<?, ?> fields;
    private final String op;

    Step(int index, Object operation) {
      this.index = index;
      if (!(operation instanceof Map<?, ?> map)) {
        throw new PatchException("operation " + index + ": not an object: " + operation);
      }
      this.fields = map;
      Object name = map.get("op");
      if (!(name instanceof String s) || !OPS.contains(s)) {
        throw new PatchException(
            "operation "
                + index
                + ": \"op\" must be one of add, remove, replace, move, copy, test (got "
                + name
                + ")");
      }
      this.op = (String) name;
    }

    void run(Object[] root) {
      JsonPointer path = pointer("path");
      switch (op) {
        case "add" -> add(root, path, JsonTrees.copy(value()));
        case "remove" -> remove(root, path);
        case "replace" -> {
          remove(root, path);
          add(root, path, JsonTrees.copy(value()));
        }
        case "move" -> {
          JsonPointer from = pointer("from");
          if (from.isProperPrefixOf(path)) {
            throw fail(path, "cannot move \"" + from.text() + "\" into itself");
          }
          Object moved = get(root[0], from);
          remove(root, from);
          add(root, path, moved);
        }
        case "copy" -> add(root, path, JsonTrees.copy(get(root[0], pointer("from"))));
        default -> {
          Object actual = get(root[0], path);
          if (!JsonTrees.equal(actual, value())) {
            throw fail(path, "value is " + show(actual) + ", not " + show(value()));
          }
        }
      }
    }

    private JsonPointer pointer(String member) {
      Object text = fields.get(member);
      if (!(text instanceof String s)) {
        throw new PatchException(
            "operation " + index + " (" + op + "): missing \"" + member + "\" (a JSON pointer)");
      }
      try {
        return JsonPointer.parse(s);
      } catch (IllegalArgumentException e) {
        throw new PatchException(
            "operation " + index + " (" + op + ") at \"" + s + "\": " + e.getMessage());
      }
    }

    private Object value() {
      if (!fields.containsKey("value")) {
        throw new PatchException("operation " + index + " (" + op + "): missing \"value\"");
      }
      return fields.get("value");
    }

    private PatchException fail(JsonPointer at, String why) {
      return new PatchException(
          "operation " + index + " (" + op + ") at \"" + at.text() + "\": " + why);
    }

    /** The value a pointer names; a missing one fails naming the first missing step. */
    private Object get(Object document, JsonPointer at) {
      return walk(document, at.tokens(), at);
    }

    private Object walk(Object document, List<String> tokens, JsonPointer at) {
      Object here = document;
      for (String token : tokens) {
        if (here instanceof Map<?, ?> map && map.containsKey(token)) {
          here = map.get(token);
        } else if (here instanceof List<?> list) {
          here = list.get(index(token, list.size(), false, at));
        } else {
          throw fail(at, "no such path (\"" + token + "\" does not exist)");
        }
      }
      return here;
    }

    @SuppressWarnings("unchecked")
    private void add(Object[] root, JsonPointer at, Object value) {
      if (at.isRoot()) {
        root[0] = value;
        return;
      }
      Object parent = walk(root[0], at.parent(), at);
      if (parent instanceof Map<?, ?> map) {
        ((Map<String, Object>) map).put(at.last(), value);
      } else if (parent instanceof List<?> list) {
        List<Object> items = (List<Object>) list;
        int i = at.last().equals("-") ? items.size() : index(at.last(), items.size(), true, at);
        items.add(i, value);
      } else {
        throw fail(at, "the parent is not an object or a list");
      }
    }

    @SuppressWarnings("unchecked")
    private void remove(Object[] root, JsonPointer at) {
      if (at.isRoot()) {
        throw fail(at, "cannot " + op + " the whole document this way");
      }
      Object parent = walk(root[0], at.parent(), at);
      if (parent instanceof Map<?, ?> map && map.containsKey(at.last())) {
        map.remove(at.last());
      } else if (parent instanceof List<?> list) {
        ((List<Object>) list).remove(index(at.last(), list.size(), false, at));
      } else {
        throw fail(at, "no such path (\"" + at.last() + "\" does not exist)");
      }
    }

    /**
     * A list index (digits without a leading zero) below {@code size}, or equal to it where an add
     * may append.
     */
    private int index(String token, int size, boolean orEnd, JsonPointer at) {
      if (!token.matches("0|[1-9][0-9]{0,8}")) {
        throw fail(at, "\"" + token + "\" is not a list index");
      }
      int i = Integer.parseInt(token);
      if (i > size || (i == size && !orEnd)) {
        throw fail(at, "index " + i + " is out of bounds (the list has " + size + " items)");
      }
      return i;
    }

    private static String show(Object value) {
      return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }
  }
}
