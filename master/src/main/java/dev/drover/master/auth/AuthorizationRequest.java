package dev.drover.master.auth;

import dev.drover.api.ApiObjects;
import dev.drover.api.Kinds;
import dev.drover.api.v1.ApplyRequest;
import dev.drover.api.v1.ConfirmPodTerminationRequest;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.DeleteRequest;
import dev.drover.api.v1.EvictRequest;
import dev.drover.api.v1.ExecInput;
import dev.drover.api.v1.GetPodDependenciesRequest;
import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.HeartbeatRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.LogsRequest;
import dev.drover.api.v1.NodeActionRequest;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.PodMetricsRequest;
import dev.drover.api.v1.PortForwardInput;
import dev.drover.api.v1.RecordEventRequest;
import dev.drover.api.v1.RecordEventsRequest;
import dev.drover.api.v1.RegisterNodeRequest;
import dev.drover.api.v1.RollbackRequest;
import dev.drover.api.v1.RolloutActionRequest;
import dev.drover.api.v1.ScaleRequest;
import dev.drover.api.v1.UpdatePodStatusesRequest;
import dev.drover.api.v1.UpdateRequest;
import dev.drover.api.v1.UpdateStatusRequest;
import dev.drover.api.v1.WatchPodsRequest;
import dev.drover.api.v1.WatchRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one call asks to do, in the terms authorization and the audit log use: a verb, a kind, a
 * namespace and a name (after Kubernetes' request attributes), plus the subresource ("status",
 * "scale", "log", ...) and, for a NodeService call, the node the request names ({@code null} for
 * the ControlService). Built from the gRPC method and its request by {@link #of}; an Apply of
 * several objects gives one per object.
 *
 * <p>The namespace is the effective one: a namespaced object named without a namespace lives in
 * {@code default}, and an empty namespace on a list or watch means every namespace.
 */
public record AuthorizationRequest(
    Verb verb, Kind kind, String namespace, String name, String subresource, String nodeName) {

  /** What a call does to the object. */
  public enum Verb {
    GET,
    LIST,
    WATCH,
    CREATE,
    UPDATE,
    PATCH,
    DELETE;

    /** Whether the verb changes state. */
    public boolean mutating() {
      return this != GET && this != LIST && this != WATCH;
    }

    /** Lower case, as the audit log and messages spell it. */
    public String spelling() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A ControlService request with no subresource. */
  public static AuthorizationRequest of(Verb verb, Kind kind, String namespace, String name) {
    return new AuthorizationRequest(verb, kind, namespace, name, "", null);
  }

  /** Whether the request came through the NodeService (then {@link #nodeName} is not null). */
  public boolean viaNodeService() {
    return nodeName != null;
  }

  /** The same request with a subresource. */
  public AuthorizationRequest sub(String subresource) {
    return new AuthorizationRequest(verb, kind, namespace, name, subresource, nodeName);
  }

  /** The same request as a NodeService call naming {@code node} (maybe empty). */
  public AuthorizationRequest node(String node) {
    return new AuthorizationRequest(verb, kind, namespace, name, subresource, node);
  }

  /** "pods/status" or "pods": the kind's plural and the subresource, for messages and the log. */
  public String resource() {
    String base = namespaced(kind) || isKind(kind) ? Kinds.info(kind).plural() : "cluster";
    return subresource.isEmpty() ? base : base + "/" + subresource;
  }

  /** Whether the request is about one namespace (false for cluster-scoped kinds and "all"). */
  public boolean namespaced() {
    return !namespace.isEmpty();
  }

  /**
   * What a call of {@code fullMethod} with {@code request} asks; an empty list for methods that
   * touch no object (ClusterInfo, health, reflection).
   */
  public static List<AuthorizationRequest> of(String fullMethod, java.lang.Object request) {
    String method = fullMethod.substring(fullMethod.lastIndexOf('/') + 1);
    if (fullMethod.startsWith("drover.v1.ControlService/")) {
      return control(method, request);
    }
    if (fullMethod.startsWith("drover.v1.NodeService/")) {
      return List.of(node(method, request));
    }
    return List.of();
  }

  /** The verb a method implies before its request is read (for calls refused before that). */
  public static Verb verbOf(String fullMethod) {
    String method = fullMethod.substring(fullMethod.lastIndexOf('/') + 1);
    return switch (method) {
      case "Get", "Logs", "GetPodMetrics", "ClusterInfo", "GetPodDependencies" -> Verb.GET;
      case "List" -> Verb.LIST;
      case "Watch", "WatchBatched", "WatchPods" -> Verb.WATCH;
      case "Create", "Evict", "RecordEvent", "RecordEvents", "Register", "Exec", "PortForward" ->
          Verb.CREATE;
      case "Delete", "ConfirmPodTermination" -> Verb.DELETE;
      case "Apply" -> Verb.PATCH;
      case "Update",
          "UpdateStatus",
          "Scale",
          "Rollback",
          "RolloutAction",
          "NodeAction",
          "Heartbeat",
          "UpdatePodStatuses" ->
          Verb.UPDATE;
      default -> Verb.GET;
    };
  }

  private static List<AuthorizationRequest> control(String method, java.lang.Object request) {
    return switch (method) {
      case "Create" -> List.of(object(Verb.CREATE, ((CreateRequest) request).getObject()));
      case "Update" -> List.of(object(Verb.UPDATE, ((UpdateRequest) request).getObject()));
      case "UpdateStatus" ->
          List.of(object(Verb.UPDATE, ((UpdateStatusRequest) request).getObject()).sub("status"));
      case "Get" -> {
        GetRequest r = (GetRequest) request;
        yield List.of(of(Verb.GET, r.getKind(), one(r.getKind(), r.getNamespace()), r.getName()));
      }
      case "List" -> {
        ListRequest r = (ListRequest) request;
        yield List.of(of(Verb.LIST, r.getKind(), many(r.getKind(), r.getNamespace()), ""));
      }
      case "Watch", "WatchBatched" -> {
        WatchRequest r = (WatchRequest) request;
        yield List.of(of(Verb.WATCH, r.getKind(), many(r.getKind(), r.getNamespace()), ""));
      }
      case "Delete" -> {
        DeleteRequest r = (DeleteRequest) request;
        yield List.of(
            of(Verb.DELETE, r.getKind(), one(r.getKind(), r.getNamespace()), r.getName()));
      }
      case "Apply" -> {
        List<AuthorizationRequest> out = new ArrayList<>();
        for (Object o : ((ApplyRequest) request).getObjectsList()) {
          out.add(object(Verb.PATCH, o));
        }
        yield out;
      }
      case "Scale" -> {
        ScaleRequest r = (ScaleRequest) request;
        yield List.of(
            of(Verb.UPDATE, r.getKind(), one(r.getKind(), r.getNamespace()), r.getName())
                .sub("scale"));
      }
      case "Rollback" -> {
        RollbackRequest r = (RollbackRequest) request;
        yield List.of(deployment(r.getNamespace(), r.getName()).sub("rollback"));
      }
      case "RolloutAction" -> {
        RolloutActionRequest r = (RolloutActionRequest) request;
        yield List.of(deployment(r.getNamespace(), r.getName()));
      }
      case "Evict" -> {
        EvictRequest r = (EvictRequest) request;
        yield List.of(
            of(Verb.CREATE, Kind.KIND_POD, one(Kind.KIND_POD, r.getNamespace()), r.getName())
                .sub("eviction"));
      }
      case "NodeAction" ->
          List.of(of(Verb.UPDATE, Kind.KIND_NODE, "", ((NodeActionRequest) request).getNodeName()));
      case "RecordEvent" -> {
        ObjectMeta m = ((RecordEventRequest) request).getEvent().getMetadata();
        yield List.of(
            of(Verb.CREATE, Kind.KIND_EVENT, one(Kind.KIND_EVENT, m.getNamespace()), m.getName()));
      }
      case "Logs" -> {
        LogsRequest r = (LogsRequest) request;
        yield List.of(
            of(Verb.GET, Kind.KIND_POD, one(Kind.KIND_POD, r.getNamespace()), r.getPod())
                .sub("log"));
      }
      case "GetPodMetrics" -> {
        PodMetricsRequest r = (PodMetricsRequest) request;
        yield List.of(
            of(Verb.GET, Kind.KIND_POD, one(Kind.KIND_POD, r.getNamespace()), r.getPod())
                .sub("metrics"));
      }
      // Streams: the first message names the pod and is checked (Kubernetes' create on
      // pods/exec and pods/portforward); the bytes that follow belong to that authorized call.
      case "Exec" -> {
        ExecInput in = (ExecInput) request;
        yield in.hasStart()
            ? podStream(in.getStart().getNamespace(), in.getStart().getPod(), "exec")
            : List.of();
      }
      case "PortForward" -> {
        PortForwardInput in = (PortForwardInput) request;
        yield in.hasStart()
            ? podStream(in.getStart().getNamespace(), in.getStart().getPod(), "portforward")
            : List.of();
      }
      default -> List.of();
    };
  }

  private static List<AuthorizationRequest> podStream(String namespace, String pod, String sub) {
    return List.of(of(Verb.CREATE, Kind.KIND_POD, one(Kind.KIND_POD, namespace), pod).sub(sub));
  }

  private static AuthorizationRequest node(String method, java.lang.Object request) {
    return switch (method) {
      case "Register" -> {
        String name = ((RegisterNodeRequest) request).getNode().getMetadata().getName();
        yield of(Verb.CREATE, Kind.KIND_NODE, "", name).node(name);
      }
      case "Heartbeat" -> {
        String name = ((HeartbeatRequest) request).getNodeName();
        yield of(Verb.UPDATE, Kind.KIND_LEASE, "", name).node(name);
      }
      case "WatchPods" ->
          of(Verb.WATCH, Kind.KIND_POD, "", "").node(((WatchPodsRequest) request).getNodeName());
      case "UpdatePodStatuses" ->
          of(Verb.UPDATE, Kind.KIND_POD, "", "")
              .sub("status")
              .node(((UpdatePodStatusesRequest) request).getNodeName());
      case "ConfirmPodTermination" -> {
        ConfirmPodTerminationRequest r = (ConfirmPodTerminationRequest) request;
        yield of(Verb.DELETE, Kind.KIND_POD, one(Kind.KIND_POD, r.getNamespace()), r.getName())
            .sub("termination")
            .node(r.getNodeName());
      }
      case "GetPodDependencies" -> {
        GetPodDependenciesRequest r = (GetPodDependenciesRequest) request;
        yield of(Verb.GET, Kind.KIND_SECRET, one(Kind.KIND_SECRET, r.getNamespace()), "")
            .sub("pod-dependencies")
            .node(r.getNodeName());
      }
      case "RecordEvents" -> {
        RecordEventsRequest r = (RecordEventsRequest) request;
        String ns = r.getEventsCount() == 0 ? "" : r.getEvents(0).getMetadata().getNamespace();
        yield of(Verb.CREATE, Kind.KIND_EVENT, ns, "").node("");
      }
      default -> of(verbOf(method), Kind.KIND_UNSPECIFIED, "", "").node("");
    };
  }

  private static AuthorizationRequest object(Verb verb, Object o) {
    Kind kind = o.getKindCase() == Object.KindCase.KIND_NOT_SET ? null : Kinds.kindOf(o);
    if (!isKind(kind)) {
      return of(verb, Kind.KIND_UNSPECIFIED, "", "");
    }
    ObjectMeta m = ApiObjects.meta(o);
    return of(verb, kind, one(kind, m.getNamespace()), m.getName());
  }

  private static AuthorizationRequest deployment(String namespace, String name) {
    return of(Verb.UPDATE, Kind.KIND_DEPLOYMENT, one(Kind.KIND_DEPLOYMENT, namespace), name);
  }

  // One object: a namespaced kind named without a namespace lives in "default".
  private static String one(Kind kind, String namespace) {
    if (!namespaced(kind)) {
      return "";
    }
    return namespace.isEmpty() ? "default" : namespace;
  }

  // A list or watch: an empty namespace means every namespace.
  private static String many(Kind kind, String namespace) {
    return namespaced(kind) ? namespace : "";
  }

  private static boolean namespaced(Kind kind) {
    return isKind(kind) && Kinds.isNamespaced(kind);
  }

  private static boolean isKind(Kind kind) {
    return kind != null && Kinds.all().contains(kind);
  }
}
