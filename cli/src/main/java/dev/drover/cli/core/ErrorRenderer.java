package dev.drover.cli.core;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import dev.drover.client.manifest.ManifestException;
import dev.drover.client.manifest.ManifestProblem;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns failures into the lines the user reads on stderr, kubectl style: one line per field
 * violation of an INVALID_ARGUMENT ({@code error: Pod "x" is invalid: spec.containers[0].image:
 * must not be empty}), {@code Error from server (NotFound): pods "x" not found}, manifest errors
 * with file, line and path, and a hint to start {@code drover dev} or check the context when no
 * master can be reached.
 */
public final class ErrorRenderer {

  private static final Pattern OBJECT_INDEX = Pattern.compile("^objects\\[(\\d+)]\\.?(.*)$");

  private ErrorRenderer() {}

  /** The lines describing {@code failure}; {@code client} (may be null) names the endpoint. */
  public static List<String> render(Throwable failure, Cli.Connection client) {
    if (failure instanceof ServerCallException call) {
      return renderStatus(call.status(), call.subjects(), client);
    }
    if (failure instanceof StatusRuntimeException status) {
      return renderStatus(status, List.of(), client);
    }
    if (failure instanceof ManifestException manifest) {
      List<String> lines = new ArrayList<>();
      for (ManifestProblem problem : manifest.errors()) {
        lines.add("error: " + problem);
      }
      return lines;
    }
    if (failure instanceof CliException || failure instanceof IllegalArgumentException) {
      return List.of("error: " + failure.getMessage());
    }
    return List.of("error: " + failure);
  }

  private static List<String> renderStatus(
      StatusRuntimeException e, List<Subject> subjects, Cli.Connection client) {
    Status status = e.getStatus();
    String description = status.getDescription() == null ? "" : status.getDescription();
    Subject subject = subjects.size() == 1 ? subjects.get(0) : null;
    switch (status.getCode()) {
      case INVALID_ARGUMENT:
        return invalid(e, description, subjects);
      case NOT_FOUND:
        return List.of("Error from server (NotFound): " + about(subject, description, "not found"));
      case ALREADY_EXISTS:
        return List.of(
            "Error from server (AlreadyExists): " + about(subject, description, "already exists"));
      case ABORTED:
        return List.of("Error from server (Conflict): " + description);
      case FAILED_PRECONDITION:
        return List.of("Error from server (FailedPrecondition): " + description);
      case PERMISSION_DENIED:
        return List.of("Error from server (Forbidden): " + description);
      case UNAUTHENTICATED:
        return List.of("Error from server (Unauthorized): " + description);
      case RESOURCE_EXHAUSTED:
        return List.of("Error from server (TooManyRequests): " + description);
      case OUT_OF_RANGE:
        return List.of("Error from server (Expired): " + description);
      case DEADLINE_EXCEEDED:
        return List.of(
            "error: no answer from "
                + where(client)
                + " within the deadline"
                + (client != null ? " (" + client.client().deadline().toSeconds() + "s)" : "")
                + "; the cluster may be overloaded or have no leader, try again or raise"
                + " --request-timeout");
      case UNAVAILABLE:
        if (isConnectionFailure(e)) {
          return List.of(
              "error: cannot connect to the Drover API at " + where(client) + ": " + rootMessage(e),
              "hint: start a local cluster with `drover dev`, or check the context with"
                  + " `drover config get-contexts` (or pass --server host:port)");
        }
        return List.of("Error from server (ServiceUnavailable): " + description);
      default:
        return List.of("Error from server (" + status.getCode() + "): " + description);
    }
  }

  private static List<String> invalid(
      StatusRuntimeException e, String description, List<Subject> subjects) {
    List<BadRequest.FieldViolation> violations = violations(e);
    if (violations.isEmpty()) {
      Subject subject = subjects.size() == 1 ? subjects.get(0) : null;
      return List.of(
          "error: " + (subject != null ? about(subject) + " is invalid: " : "") + description);
    }
    List<String> lines = new ArrayList<>();
    for (BadRequest.FieldViolation violation : violations) {
      String field = violation.getField();
      Subject subject = subjects.size() == 1 ? subjects.get(0) : null;
      Matcher m = OBJECT_INDEX.matcher(field);
      if (m.matches() && Integer.parseInt(m.group(1)) < subjects.size()) {
        subject = subjects.get(Integer.parseInt(m.group(1)));
        field = m.group(2);
      }
      StringBuilder line = new StringBuilder("error: ");
      if (subject != null) {
        if (!subject.origin().isEmpty()) {
          line.append(subject.origin()).append(": ");
        }
        line.append(about(subject)).append(" is invalid: ");
      }
      if (!field.isEmpty()) {
        line.append(field).append(": ");
      }
      lines.add(line.append(violation.getDescription()).toString());
    }
    return lines;
  }

  /**
   * The server's message, in kubectl's words ({@code pods "x" not found}) only when it is about the
   * subject itself: a missing namespace, container or owner is reported as the server said.
   */
  private static String about(Subject subject, String description, String fact) {
    if (subject == null) {
      return description;
    }
    String kubectl = subject.type().plural() + " \"" + subject.name() + "\" " + fact;
    String kind = subject.type().kindName() + " ";
    boolean aboutSubject =
        description.equals(kubectl)
            || description.equals(kind + subject.name() + " " + fact)
            || (description.startsWith(kind)
                && description.endsWith("/" + subject.name() + " " + fact)
                && description.indexOf(' ', kind.length())
                    == description.length() - fact.length() - 1);
    return aboutSubject || description.isEmpty() ? kubectl : description;
  }

  private static String about(Subject subject) {
    return subject.type().kindName() + " \"" + subject.name() + "\"";
  }

  /** The field violations of the google.rpc.BadRequest detail, if the status carries one. */
  static List<BadRequest.FieldViolation> violations(StatusRuntimeException e) {
    com.google.rpc.Status rich = StatusProto.fromThrowable(e);
    List<BadRequest.FieldViolation> out = new ArrayList<>();
    if (rich == null) {
      return out;
    }
    for (Any detail : rich.getDetailsList()) {
      if (detail.is(BadRequest.class)) {
        try {
          out.addAll(detail.unpack(BadRequest.class).getFieldViolationsList());
        } catch (InvalidProtocolBufferException ignored) {
          // A detail that does not decode is skipped; the status message still says what failed.
        }
      }
    }
    return out;
  }

  private static boolean isConnectionFailure(StatusRuntimeException e) {
    String description = e.getStatus().getDescription();
    return e.getCause() != null
        || (description != null
            && (description.startsWith("io exception")
                || description.contains("Connection refused")
                || description.contains("Could not find server")));
  }

  private static String rootMessage(StatusRuntimeException e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    if (root != e && root.getMessage() != null) {
      return root.getMessage();
    }
    String description = e.getStatus().getDescription();
    return description == null ? e.getStatus().getCode().toString() : description;
  }

  private static String where(Cli.Connection client) {
    if (client == null) {
      return "the cluster";
    }
    return client.where();
  }
}
