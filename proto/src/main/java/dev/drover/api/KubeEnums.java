package dev.drover.api;

import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.ProtocolMessageEnum;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one Kubernetes spelling of API enum values, used by manifests, YAML/JSON output and tables
 * alike so they can never disagree: the value name without its enum's prefix, camel-cased, with
 * acronyms kept in capitals ({@code SERVICE_TYPE_NODE_PORT} is "NodePort", {@code PROTOCOL_TCP}
 * "TCP"). The zero value ("unspecified") has no spelling.
 */
public final class KubeEnums {
  private static final Set<String> ACRONYMS = Set.of("TCP", "UDP", "SCTP", "HTTP", "HTTPS", "IP");
  private static final Map<EnumDescriptor, Map<String, EnumValueDescriptor>> BY_SPELLING =
      new ConcurrentHashMap<>();

  private KubeEnums() {}

  /** The spelling of a value; "" for the zero value or an unrecognized number. */
  public static String text(ProtocolMessageEnum value) {
    EnumValueDescriptor descriptor;
    try {
      descriptor = value.getValueDescriptor();
    } catch (IllegalArgumentException unrecognized) {
      return "";
    }
    return descriptor.getIndex() < 0 || descriptor.getNumber() == 0 ? "" : name(descriptor);
  }

  /** The spelling of a value descriptor (the zero value is spelled too, for diagnostics). */
  public static String name(EnumValueDescriptor value) {
    String prefix = upperSnake(value.getType().getName()) + "_";
    String name = value.getName();
    if (name.startsWith(prefix)) {
      name = name.substring(prefix.length());
    }
    StringBuilder out = new StringBuilder();
    for (String word : name.split("_")) {
      if (ACRONYMS.contains(word)) {
        out.append(word);
      } else if (!word.isEmpty()) {
        out.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
      }
    }
    return out.toString();
  }

  /** The value a spelling names, or null; the zero value is never named. */
  public static EnumValueDescriptor value(EnumDescriptor type, String spelling) {
    return bySpelling(type).get(spelling);
  }

  /** Every accepted spelling of an enum, in declaration order. */
  public static List<String> spellings(EnumDescriptor type) {
    return new ArrayList<>(bySpelling(type).keySet());
  }

  private static Map<String, EnumValueDescriptor> bySpelling(EnumDescriptor type) {
    return BY_SPELLING.computeIfAbsent(
        type,
        t -> {
          Map<String, EnumValueDescriptor> out = new LinkedHashMap<>();
          for (EnumValueDescriptor v : t.getValues()) {
            if (v.getNumber() != 0) {
              out.put(name(v), v);
            }
          }
          return out;
        });
  }

  /** "DaemonSetUpdateStrategyType" to "DAEMON_SET_UPDATE_STRATEGY_TYPE". */
  private static String upperSnake(String camel) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < camel.length(); i++) {
      char c = camel.charAt(i);
      if (i > 0 && Character.isUpperCase(c) && Character.isLowerCase(camel.charAt(i - 1))) {
        out.append('_');
      }
      out.append(Character.toUpperCase(c));
    }
    return out.toString();
  }
}
