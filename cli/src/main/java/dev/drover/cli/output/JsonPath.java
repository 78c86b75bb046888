package dev.drover.cli.output;

import dev.drover.cli.core.CliException;
import dev.drover.client.manifest.JsonText;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * A template in Kubernetes' JSONPath dialect ({@code kubectl -o jsonpath=}), run against the tree
 * of maps and lists that {@code -o json} prints: text with {@code {.a.b}}, {@code [n]}, {@code
 * [a:b]}, {@code [*]}, {@code ..name}, filters {@code [?(@.x=="y")]}, quoted text and {@code range
 * ... end}. Missing keys print nothing, as with kubectl's default {@code
 * --allow-missing-template-keys}.
 */
public final class JsonPath {

  private sealed interface Node permits Text, Expr, Range {}

  private record Text(String text) implements Node {}

  private record Expr(List<Step> steps) implements Node {}

  private record Range(List<Step> steps, List<Node> body) implements Node {}

  private sealed interface Step permits Field, All, Index, Slice, Recursive, Filter {}

  private record Field(String name) implements Step {}

  private record All() implements Step {}

  private record Index(int index) implements Step {}

  private record Slice(Integer start, Integer end, int step) implements Step {}

  private record Recursive(String name) implements Step {}

  /** {@code op} is null for an existence test; then {@code right} is unused. */
  private record Filter(List<Step> left, String op, java.lang.Object right) implements Step {}

  private final String template;
  private final List<Node> nodes;

  private JsonPath(String template, List<Node> nodes) {
    this.template = template;
    this.nodes = nodes;
  }

  /** Parses a template; a malformed one gives a one-line CliException naming it. */
  public static JsonPath parse(String template) {
    try {
      return new JsonPath(template, parseTemplate(template));
    } catch (IllegalArgumentException e) {
      throw new CliException("error parsing jsonpath " + template + ", " + e.getMessage());
    }
  }

  /**
   * Parses the relaxed form custom-columns and {@code --sort-by} accept: {@code .a.b}, {@code a.b}
   * or {@code {.a.b}}.
   */
  public static JsonPath relaxed(String expression) {
    String e = expression.trim();
    if (!(e.startsWith("{") && e.endsWith("}"))) {
      e = "{" + (e.startsWith(".") || e.startsWith("@") || e.startsWith("$") ? e : "." + e) + "}";
    }
    return parse(e);
  }

  /** The template text as given. */
  public String template() {
    return template;
  }

  /** Runs the template against a tree and returns the text it prints. */
  public String execute(java.lang.Object data) {
    StringBuilder out = new StringBuilder();
    run(nodes, data, out);
    return out.toString();
  }

  /** The values the template's expressions select (for one-expression templates). */
  public List<java.lang.Object> values(java.lang.Object data) {
    List<java.lang.Object> values = new ArrayList<>();
    for (Node node : nodes) {
      if (node instanceof Expr expr) {
        values.addAll(eval(expr.steps(), data));
      }
    }
    return values;
  }

  /** A value as kubectl prints it: strings bare, maps and lists as one-line JSON. */
  public static String text(java.lang.Object value) {
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof Map<?, ?> || value instanceof List<?>) {
      return JsonText.writeLine(value);
    }
    return String.valueOf(value);
  }

  private static void run(List<Node> nodes, java.lang.Object data, StringBuilder out) {
    for (Node node : nodes) {
      if (node instanceof Text t) {
        out.append(t.text());
      } else if (node instanceof Expr e) {
        List<String> texts = new ArrayList<>();
        eval(e.steps(), data).forEach(v -> texts.add(text(v)));
        out.append(String.join(" ", texts));
      } else if (node instanceof Range r) {
        for (java.lang.Object value : eval(r.steps(), data)) {
          if (value instanceof List<?> list) {
            list.forEach(item -> run(r.body(), item, out));
          } else {
            run(r.body(), value, out);
          }
        }
      }
    }
  }

  private static List<java.lang.Object> eval(List<Step> steps, java.lang.Object data) {
    List<java.lang.Object> current = new ArrayList<>();
    current.add(data);
    for (Step step : steps) {
      List<java.lang.Object> next = new ArrayList<>();
      for (java.lang.Object value : current) {
        apply(step, value, next);
      }
      current = next;
    }
    return current;
  }

  private static void apply(Step step, java.lang.Object value, List<java.lang.Object> next) {
    if (step instanceof Field f) {
      if (value instanceof Map<?, ?> map && map.containsKey(f.name())) {
        next.add(map.get(f.name()));
      }
    } else if (step instanceof All) {
      if (value instanceof Map<?, ?> map) {
        next.addAll(map.values());
      } else if (value instanceof List<?> list) {
        next.addAll(list);
      }
    } else if (step instanceof Index i && value instanceof List<?> list) {
      int index = i.index() < 0 ? list.size() + i.index() : i.index();
      if (index >= 0 && index < list.size()) {
        next.add(list.get(index));
      }
    } else if (step instanceof Slice s && value instanceof List<?> list) {
      int size = list.size();
      int start = clamp(s.start() == null ? 0 : s.start(), size);
      int end = clamp(s.end() == null ? size : s.end(), size);
      for (int k = start; k < end; k += s.step()) {
        next.add(list.get(k));
      }
    } else if (step instanceof Recursive r) {
      descend(r.name(), value, next);
    } else if (step instanceof Filter f && value instanceof List<?> list) {
      for (java.lang.Object item : list) {
        if (matches(f, item)) {
          next.add(item);
        }
      }
    }
  }

  private static int clamp(int index, int size) {
    int i = index < 0 ? size + index : index;
    return Math.max(0, Math.min(size, i));
  }

  private static void descend(String name, java.lang.Object value, List<java.lang.Object> out) {
    if (value instanceof Map<?, ?> map) {
      if ("*".equals(name)) {
        out.addAll(map.values());
      } else if (map.containsKey(name)) {
        out.add(map.get(name));
      }
      map.values().forEach(v -> descend(name, v, out));
    } else if (value instanceof List<?> list) {
      list.forEach(v -> descend(name, v, out));
    }
  }

  private static boolean matches(Filter filter, java.lang.Object item) {
    List<java.lang.Object> left = eval(filter.left(), item);
    if (filter.op() == null) {
      return !left.isEmpty();
    }
    if (left.isEmpty()) {
      return false;
    }
    java.lang.Object l = left.get(0);
    java.lang.Object r = filter.right();
    int cmp;
    if (l instanceof Number ln && r instanceof Number rn) {
      cmp = Double.compare(ln.doubleValue(), rn.doubleValue());
    } else {
      cmp = text(l).compareTo(text(r));
    }
    return switch (filter.op()) {
      case "==" -> cmp == 0;
      case "!=" -> cmp != 0;
      case "<" -> cmp < 0;
      case "<=" -> cmp <= 0;
      case ">" -> cmp > 0;
      default -> cmp >= 0;
    };
  }

  // ---- parsing ----

  private static List<Node> parseTemplate(String template) {
    Deque<List<Node>> bodies = new ArrayDeque<>();
    Deque<List<Step>> ranges = new ArrayDeque<>();
    List<Node> body = new ArrayList<>();
    int i = 0;
    StringBuilder text = new StringBuilder();
    while (i < template.length()) {
      char c = template.charAt(i);
      if (c != '{') {
        text.append(c);
        i++;
        continue;
      }
      int close = closing(template, i, '{', '}');
      if (close < 0) {
        throw new IllegalArgumentException("unclosed action");
      }
      if (text.length() > 0) {
        body.add(new Text(text.toString()));
        text.setLength(0);
      }
      String action = template.substring(i + 1, close).trim();
      i = close + 1;
      if (action.equals("end")) {
        if (ranges.isEmpty()) {
          throw new IllegalArgumentException("not in range, nothing to end");
        }
        List<Node> inner = body;
        body = bodies.pop();
        body.add(new Range(ranges.pop(), List.copyOf(inner)));
      } else if (action.startsWith("range ")) {
        ranges.push(steps(action.substring(6).trim()));
        bodies.push(body);
        body = new ArrayList<>();
      } else if (isQuoted(action)) {
        body.add(new Text(unquote(action)));
      } else {
        body.add(new Expr(steps(action)));
      }
    }
    if (!ranges.isEmpty()) {
      throw new IllegalArgumentException("unclosed range");
    }
    if (text.length() > 0) {
      body.add(new Text(text.toString()));
    }
    return List.copyOf(body);
  }

  /** The index of the bracket closing the one at {@code open}, skipping quoted text; -1 if none. */
  private static int closing(String s, int open, char opening, char closingChar) {
    int depth = 0;
    char quote = 0;
    for (int i = open; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == opening) {
        depth++;
      } else if (c == closingChar && --depth == 0) {
        return i;
      }
    }
    return -1;
  }

  private static boolean isQuoted(String s) {
    return s.length() >= 2
        && (s.charAt(0) == '"' || s.charAt(0) == '\'')
        && s.charAt(s.length() - 1) == s.charAt(0);
  }

  private static String unquote(String quoted) {
    StringBuilder out = new StringBuilder();
    for (int i = 1; i < quoted.length() - 1; i++) {
      char c = quoted.charAt(i);
      if (c == '\\' && i + 1 < quoted.length() - 1) {
        char e = quoted.charAt(++i);
        out.append(
            switch (e) {
              case 'n' -> '\n';
              case 't' -> '\t';
              case 'r' -> '\r';
              default -> e;
            });
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static List<Step> steps(String expression) {
    List<Step> steps = new ArrayList<>();
    String s = expression;
    int i = 0;
    if (s.startsWith("@") || s.startsWith("$")) {
      i = 1;
    } else if (!s.isEmpty() && s.charAt(0) != '.' && s.charAt(0) != '[') {
      throw new IllegalArgumentException("unrecognized identifier " + s);
    }
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '.' && i + 1 < s.length() && s.charAt(i + 1) == '.') {
        int end = nameEnd(s, i + 2);
        steps.add(new Recursive(unescape(s.substring(i + 2, end))));
        i = end;
      } else if (c == '.') {
        int end = nameEnd(s, i + 1);
        String name = unescape(s.substring(i + 1, end));
        if (!name.isEmpty()) {
          steps.add(name.equals("*") ? new All() : new Field(name));
        }
        i = end;
      } else if (c == '[') {
        int close = closing(s, i, '[', ']');
        if (close < 0) {
          throw new IllegalArgumentException("unterminated array");
        }
        steps.add(subscript(s.substring(i + 1, close).trim()));
        i = close + 1;
      } else {
        throw new IllegalArgumentException("unexpected '" + c + "' in " + s);
      }
    }
    return steps;
  }

  private static int nameEnd(String s, int from) {
    int i = from;
    while (i < s.length() && s.charAt(i) != '.' && s.charAt(i) != '[') {
      i += s.charAt(i) == '\\' ? 2 : 1;
    }
    return Math.min(i, s.length());
  }

  private static String unescape(String name) {
    return name.replace("\\.", ".");
  }

  private static Step subscript(String inner) {
    if (inner.equals("*")) {
      return new All();
    }
    if (isQuoted(inner)) {
      return new Field(unquote(inner));
    }
    if (inner.startsWith("?(") && inner.endsWith(")")) {
      return filter(inner.substring(2, inner.length() - 1).trim());
    }
    try {
      if (inner.contains(":")) {
        String[] parts = inner.split(":", -1);
        if (parts.length > 3) {
          throw new IllegalArgumentException("invalid array slice " + inner);
        }
        Integer start = parts[0].isBlank() ? null : Integer.parseInt(parts[0].trim());
        Integer end = parts[1].isBlank() ? null : Integer.parseInt(parts[1].trim());
        int step = parts.length == 3 && !parts[2].isBlank() ? Integer.parseInt(parts[2].trim()) : 1;
        if (step <= 0) {
          throw new IllegalArgumentException("invalid array slice step " + step);
        }
        return new Slice(start, end, step);
      }
      return new Index(Integer.parseInt(inner));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid array index " + inner);
    }
  }

  private static Step filter(String condition) {
    for (String op : List.of("==", "!=", "<=", ">=", "<", ">")) {
      int at = operatorIndex(condition, op);
      if (at > 0) {
        List<Step> left = steps(condition.substring(0, at).trim());
        return new Filter(left, op, literal(condition.substring(at + op.length()).trim()));
      }
    }
    return new Filter(steps(condition), null, null);
  }

  /** Where an operator appears outside quotes, or -1. */
  private static int operatorIndex(String s, String op) {
    char quote = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        quote = c == quote ? 0 : quote;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (s.startsWith(op, i)) {
        return i;
      }
    }
    return -1;
  }

  private static java.lang.Object literal(String text) {
    if (isQuoted(text)) {
      return unquote(text);
    }
    if (text.equals("true") || text.equals("false")) {
      return Boolean.parseBoolean(text);
    }
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("unrecognized filter value " + text);
    }
  }
}
