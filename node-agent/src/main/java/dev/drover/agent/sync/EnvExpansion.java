package dev.drover.agent.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes' {@code $(VAR)} expansion of env values, command and args: {@code $(NAME)} becomes the
 * variable's value when it is known and stays as written when not; {@code $$} is a literal {@code
 * $}; any other {@code $} and an unclosed {@code $(} stay as written. Pure functions.
 */
final class EnvExpansion {

  private EnvExpansion() {}

  /** {@code input} with each {@code $(NAME)} that {@code vars} knows replaced. */
  static String expand(String input, Map<String, String> vars) {
    StringBuilder out = new StringBuilder(input.length());
    int i = 0;
    int n = input.length();
    while (i < n) {
      char ch = input.charAt(i);
      if (ch != '$' || i + 1 == n) {
        out.append(ch);
        i++;
        continue;
      }
      char next = input.charAt(i + 1);
      if (next == '$') {
        out.append('$');
        i += 2;
      } else if (next == '(') {
        int close = input.indexOf(')', i + 2);
        if (close < 0) {
          // Unclosed: "$(" is kept and scanning goes on after it.
          out.append("$(");
          i += 2;
        } else {
          String name = input.substring(i + 2, close);
          String value = vars.get(name);
          if (value != null) {
            out.append(value);
          } else {
            out.append(input, i, close + 1);
          }
          i = close + 1;
        }
      } else {
        out.append('$').append(next);
        i += 2;
      }
    }
    return out.toString();
  }

  /** Each of {@code inputs} expanded with {@code vars}. */
  static List<String> expandAll(List<String> inputs, Map<String, String> vars) {
    List<String> out = new ArrayList<>(inputs.size());
    for (String s : inputs) {
      out.add(expand(s, vars));
    }
    return out;
  }
}
