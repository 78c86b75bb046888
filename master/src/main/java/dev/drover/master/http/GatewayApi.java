package dev.drover.master.http;

import dev.drover.api.Kinds;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.ControlServiceGrpc.ControlServiceStub;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.DeleteRequest;
import dev.drover.api.v1.EvictRequest;
import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.LogChunk;
import dev.drover.api.v1.LogsRequest;
import dev.drover.api.v1.NodeActionRequest;
import dev.drover.api.v1.NodeActionType;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.PropagationPolicy;
import dev.drover.api.v1.RollbackRequest;
import dev.drover.api.v1.RolloutActionRequest;
import dev.drover.api.v1.RolloutActionType;
import dev.drover.api.v1.ScaleRequest;
import dev.drover.api.v1.UpdateRequest;
import dev.drover.api.v1.UpdateStatusRequest;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.api.v1.WatchRequest;
import dev.drover.client.Warnings;
import dev.drover.client.manifest.JsonText;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The REST verbs of the gateway, each carried out as a call of the ControlService over the master's
 * in-process channel with the caller's {@code Authorization} header and its connection (see {@link
 * CallerConnections}) as gRPC metadata: so authentication, authorization, audit and limits treat an
 * HTTP request exactly as the same gRPC call. Nothing here reads the registry or the cache.
 */
final class GatewayApi {
  /** gRPC metadata key the HTTP {@code Authorization} header is forwarded under. */
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private static final long UNARY_DEADLINE_SECONDS = 60;
  // How long a quiet watch or log stream waits for its first item before sending headers anyway.
  private static final long HEADERS_AFTER_MILLIS = 200;

  private final Channel channel;

  GatewayApi(Channel channel) {
    this.channel = channel;
  }

  /** The in-process channel to the master's services (the console's chart data uses it). */
  Channel channel() {
    return channel;
  }

  /** One request's inputs. */
  record Request(
      String method,
      ResourcePath path,
      Map<String, List<String>> query,
      String body,
      String authorization,
      String connection) {

    String param(String name) {
      List<String> values = query.get(name);
      return values == null || values.isEmpty() ? "" : values.get(0);
    }

    boolean flag(String name) {
      String value = param(name).toLowerCase(Locale.ROOT);
      return value.equals("true") || value.equals("1");
    }

    long number(String name, long fallback) {
      String value = param(name);
      if (value.isEmpty()) {
        return fallback;
      }
      try {
        return Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw HttpErrors.badField(name, "expected an integer, got \"" + value + "\"");
      }
    }
  }

  /** Serves one API request; answers through {@code reply}, never throws. */
  void handle(Request request, Reply reply) {
    try {
      dispatch(request, reply, stub(request).withInterceptors(Warnings.interceptor(reply::warn)));
    } catch (RuntimeException e) {
      reply.fail(e);
    }
  }

  private ControlServiceStub stub(Request request) {
    Metadata headers = new Metadata();
    headers.put(CallerConnections.CONNECTION, request.connection());
    if (!request.authorization().isEmpty()) {
      headers.put(AUTHORIZATION, request.authorization());
    }
    return ControlServiceGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static ControlServiceStub unary(ControlServiceStub stub) {
    return stub.withDeadlineAfter(UNARY_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  private void dispatch(Request request, Reply reply, ControlServiceStub stub) {
    ResourcePath path = request.path();
    String sub = path.subresource();
    switch (request.method()) {
      case "GET" -> {
        if (path.isCollection()) {
          if (request.flag("watch")) {
            watch(request, reply, stub);
          } else {
            list(request, reply, stub);
          }
        } else if (sub.equals("log") && path.kind() == Kind.KIND_POD) {
          logs(request, reply, stub);
        } else if (sub.equals("scale")) {
          unary(stub).get(get(path), answer(reply, 200, GatewayApi::scaleOf));
        } else if (sub.isEmpty() || sub.equals("status")) {
          unary(stub).get(get(path), answer(reply, 200, ObjectJson::tree));
        } else {
          throw notServed(request);
        }
      }
      case "POST" -> {
        if (path.isCollection()) {
          unary(stub)
              .create(
                  CreateRequest.newBuilder()
                      .setObject(ObjectJson.read(request.body(), path, false))
                      .setDryRun(dryRun(request))
                      .build(),
                  answer(reply, 201, ObjectJson::tree));
        } else {
          action(request, reply, unary(stub));
        }
      }
      case "PUT" -> {
        if (path.isCollection()) {
          throw notServed(request);
        } else if (sub.isEmpty()) {
          unary(stub)
              .update(
                  UpdateRequest.newBuilder()
                      .setObject(ObjectJson.read(request.body(), path, false))
                      .setDryRun(dryRun(request))
                      .build(),
                  answer(reply, 200, ObjectJson::tree));
        } else if (sub.equals("status")) {
          unary(stub)
              .updateStatus(
                  UpdateStatusRequest.newBuilder()
                      .setObject(ObjectJson.read(request.body(), path, true))
                      .build(),
                  answer(reply, 200, ObjectJson::tree));
        } else if (sub.equals("scale")) {
          scale(request, reply, unary(stub));
        } else {
          throw notServed(request);
        }
      }
      case "DELETE" -> {
        if (path.isCollection() || !sub.isEmpty()) {
          throw notServed(request);
        }
        delete(request, reply, unary(stub));
      }
      default ->
          throw new HttpErrors.HttpError(
              405,
              "method " + request.method() + " is not served here (GET, POST, PUT, DELETE are)");
    }
  }

  private static HttpErrors.HttpError notServed(Request request) {
    return new HttpErrors.HttpError(
        405,
        request.method()
            + " is not served for "
            + request.path().describe()
            + (request.path().subresource().isEmpty()
                ? ""
                : " (subresource " + request.path().subresource() + ")"));
  }

  private static boolean dryRun(Request request) {
    return request.param("dryRun").equalsIgnoreCase("All");
  }

  private static GetRequest get(ResourcePath path) {
    return GetRequest.newBuilder()
        .setKind(path.kind())
        .setNamespace(path.namespace())
        .setName(path.name())
        .build();
  }

  /** An observer that answers with the single response, or the failure. */
  private static <T> StreamObserver<T> answer(
      Reply reply, int code, Function<T, ? extends java.lang.Object> render) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        try {
          reply.json(code, render.apply(value));
        } catch (RuntimeException e) {
          reply.fail(e);
        }
      }

      @Override
      public void onError(Throwable t) {
        reply.fail(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  private void list(Request request, Reply reply, ControlServiceStub stub) {
    ResourcePath path = request.path();
    ListRequest list =
        ListRequest.newBuilder()
            .setKind(path.kind())
            .setNamespace(path.namespace())
            .setLabelSelector(request.param("labelSelector"))
            .setFieldSelector(request.param("fieldSelector"))
            .setLimit(request.number("limit", 0))
            .setContinueToken(request.param("continue"))
            .setResourceVersion(request.number("resourceVersion", 0))
            .build();
    unary(stub)
        .list(
            list,
            answer(
                reply,
                200,
                page ->
                    ObjectJson.list(
                        path.kind(),
                        page.getItemsList(),
                        page.getResourceVersion(),
                        page.getContinueToken(),
                        page.getRemainingItemCount())));
  }

  /** One watch event as a line of JSON, in the Kubernetes watch event shape. */
  static String eventLine(Kind kind, WatchEvent event) {
    Map<String, java.lang.Object> line = new LinkedHashMap<>();
    String type = event.getType().name().substring("WATCH_EVENT_TYPE_".length());
    line.put("type", type);
    if (event.getType() == WatchEventType.WATCH_EVENT_TYPE_ERROR) {
      int http =
          HttpErrors.httpStatus(io.grpc.Status.fromCodeValue(event.getError().getCode()).getCode());
      Map<String, java.lang.Object> status =
          HttpErrors.status(http, event.getError().getMessage(), List.of());
      if (!event.getError().getReason().isEmpty()) {
        status.put("reason", event.getError().getReason());
      }
      line.put("object", status);
    } else if (event.hasObject()) {
      Map<String, java.lang.Object> object = ObjectJson.tree(event.getObject());
      // As in Kubernetes, the object carries the version of this change (for DELETED, the
      // deletion's), so that a client resumes from the last object it saw.
      @SuppressWarnings("unchecked")
      Map<String, java.lang.Object> meta = (Map<String, java.lang.Object>) object.get("metadata");
      if (meta != null && event.getResourceVersion() > 0) {
        meta.put("resourceVersion", String.valueOf(event.getResourceVersion()));
      }
      line.put("object", object);
    } else {
      Kinds.Info info = Kinds.info(kind);
      Map<String, java.lang.Object> bookmark = new LinkedHashMap<>();
      bookmark.put("apiVersion", info.apiVersion());
      bookmark.put("kind", info.kindName());
      bookmark.put(
          "metadata", Map.of("resourceVersion", String.valueOf(event.getResourceVersion())));
      line.put("object", bookmark);
    }
    return JsonText.writeLine(line) + "\n";
  }

  private void watch(Request request, Reply reply, ControlServiceStub stub) {
    ResourcePath path = request.path();
    WatchRequest watch =
        WatchRequest.newBuilder()
            .setKind(path.kind())
            .setNamespace(path.namespace())
            .setLabelSelector(request.param("labelSelector"))
            .setFieldSelector(request.param("fieldSelector"))
            .setResourceVersion(request.number("resourceVersion", 0))
            .setAllowBookmarks(request.flag("allowWatchBookmarks"))
            .setSendInitialEvents(request.flag("sendInitialEvents"))
            .build();
    reply.startStreamAfter("application/json", HEADERS_AFTER_MILLIS);
    stub.watch(
        watch,
        new Streamed<WatchEvent>(reply) {
          @Override
          void write(WatchEvent event) {
            reply.chunk(eventLine(path.kind(), event));
          }
        });
  }

  private void logs(Request request, Reply reply, ControlServiceStub stub) {
    ResourcePath path = request.path();
    LogsRequest.Builder logs =
        LogsRequest.newBuilder()
            .setNamespace(path.namespace())
            .setPod(path.name())
            .setContainer(request.param("container"))
            .setFollow(request.flag("follow"))
            .setPrevious(request.flag("previous"))
            .setTimestamps(request.flag("timestamps"));
    if (!request.param("tailLines").isEmpty()) {
      logs.setTailLines(request.number("tailLines", 0));
    }
    if (!request.param("sinceSeconds").isEmpty()) {
      logs.setSinceSeconds(request.number("sinceSeconds", 0));
    }
    reply.startStreamAfter("text/plain; charset=utf-8", HEADERS_AFTER_MILLIS);
    stub.logs(
        logs.build(),
        new Streamed<LogChunk>(reply) {
          @Override
          void write(LogChunk chunk) {
            reply.chunk(chunk.getData().toByteArray(), "text/plain; charset=utf-8");
          }
        });
  }

  /**
   * A server stream copied to a chunked reply one message at a time: the next message is asked for
   * only when the connection can take it, and a closed connection cancels the call.
   */
  abstract static class Streamed<T> implements ClientResponseObserver<java.lang.Object, T> {
    private final Reply reply;
    private ClientCallStreamObserver<java.lang.Object> call;

    Streamed(Reply reply) {
      this.reply = reply;
    }

    abstract void write(T message);

    @Override
    public void beforeStart(ClientCallStreamObserver<java.lang.Object> requestStream) {
      call = requestStream;
      requestStream.disableAutoRequestWithInitial(1);
      reply.onClose(() -> requestStream.cancel("the HTTP client went away", null));
    }

    @Override
    public void onNext(T message) {
      write(message);
      reply.whenWritable(() -> call.request(1));
    }

    @Override
    public void onError(Throwable t) {
      reply.fail(t);
    }

    @Override
    public void onCompleted() {
      reply.end();
    }
  }

  private void scale(Request request, Reply reply, ControlServiceStub stub) {
    ResourcePath path = request.path();
    Map<String, java.lang.Object> body = ObjectJson.readMap(request.body());
    long replicas = ObjectJson.longAt(body, "spec.replicas", -1);
    if (replicas < 0 || replicas > Integer.MAX_VALUE) {
      throw HttpErrors.badField("spec.replicas", "required: a replica count of at least 0");
    }
    ScaleRequest.Builder scale =
        ScaleRequest.newBuilder()
            .setKind(path.kind())
            .setNamespace(path.namespace())
            .setName(path.name())
            .setReplicas((int) replicas);
    long version = ObjectJson.longAt(body, "metadata.resourceVersion", 0);
    if (version > 0) {
      scale.setResourceVersion(version);
    }
    stub.scale(scale.build(), answer(reply, 200, GatewayApi::scaleOf));
  }

  /** The autoscaling/v1 Scale of a scalable object (a Job's scale is its parallelism). */
  static Map<String, java.lang.Object> scaleOf(Object object) {
    Map<String, java.lang.Object> tree = ObjectJson.tree(object);
    String specField = Kinds.kindOf(object) == Kind.KIND_JOB ? "spec.parallelism" : "spec.replicas";
    java.lang.Object meta = tree.get("metadata");
    Map<String, java.lang.Object> metadata = new LinkedHashMap<>();
    if (meta instanceof Map<?, ?> m) {
      for (String key : List.of("name", "namespace", "uid", "resourceVersion")) {
        if (m.containsKey(key)) {
          metadata.put(key, m.get(key));
        }
      }
    }
    Map<String, java.lang.Object> scale = new LinkedHashMap<>();
    scale.put("apiVersion", "autoscaling/v1");
    scale.put("kind", "Scale");
    scale.put("metadata", metadata);
    java.lang.Object desired = ObjectJson.at(tree, specField);
    java.lang.Object current = ObjectJson.at(tree, "status.replicas");
    scale.put("spec", Map.of("replicas", desired == null ? 0 : desired));
    scale.put("status", Map.of("replicas", current == null ? 0 : current));
    return scale;
  }

  private void delete(Request request, Reply reply, ControlServiceStub stub) {
    ResourcePath path = request.path();
    DeleteRequest.Builder delete =
        DeleteRequest.newBuilder()
            .setKind(path.kind())
            .setNamespace(path.namespace())
            .setName(path.name());
    if (!request.param("gracePeriodSeconds").isEmpty()) {
      delete.setGracePeriodSeconds(request.number("gracePeriodSeconds", 0));
    }
    String policy = request.param("propagationPolicy");
    if (!policy.isEmpty()) {
      try {
        delete.setPropagationPolicy(
            PropagationPolicy.valueOf("PROPAGATION_POLICY_" + policy.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw HttpErrors.badField(
            "propagationPolicy",
            "expected Background, Foreground or Orphan, got \"" + policy + "\"");
      }
    }
    stub.delete(
        delete.build(),
        answer(
            reply,
            200,
            response ->
                response.hasObject()
                    ? ObjectJson.tree(response.getObject())
                    : HttpErrors.status(200, path.describe() + " deleted", List.of())));
  }

  /**
   * Drover's action subresources (POST): a Deployment's {@code restart}, {@code pause}, {@code
   * resume}, {@code promote} (body or query {@code allSteps: true} passes every canary step) and
   * {@code rollback}; a Node's {@code cordon}, {@code uncordon} and {@code drain}; a Pod's {@code
   * eviction}. Each is the gRPC verb of the same name.
   */
  private void action(Request request, Reply reply, ControlServiceStub stub) {
    ResourcePath path = request.path();
    Map<String, java.lang.Object> body = ObjectJson.readMap(request.body());
    String sub = path.subresource();
    switch (path.kind()) {
      case KIND_DEPLOYMENT -> {
        if (sub.equals("rollback")) {
          stub.rollback(
              RollbackRequest.newBuilder()
                  .setNamespace(path.namespace())
                  .setName(path.name())
                  .setRevision(ObjectJson.longAt(body, "revision", 0))
                  .build(),
              answer(reply, 200, ObjectJson::tree));
          return;
        }
        RolloutActionType type =
            switch (sub) {
              case "restart" -> RolloutActionType.ROLLOUT_ACTION_TYPE_RESTART;
              case "pause" -> RolloutActionType.ROLLOUT_ACTION_TYPE_PAUSE;
              case "resume" -> RolloutActionType.ROLLOUT_ACTION_TYPE_RESUME;
              case "promote" -> RolloutActionType.ROLLOUT_ACTION_TYPE_PROMOTE;
              default -> throw notServed(request);
            };
        stub.rolloutAction(
            RolloutActionRequest.newBuilder()
                .setNamespace(path.namespace())
                .setName(path.name())
                .setAction(type)
                // As `drover rollout promote --all-steps`; refused on the other actions.
                .setAllSteps(request.flag("allSteps") || Boolean.TRUE.equals(body.get("allSteps")))
                .build(),
            answer(reply, 200, ObjectJson::tree));
      }
      case KIND_NODE -> {
        NodeActionType type =
            switch (sub) {
              case "cordon" -> NodeActionType.NODE_ACTION_TYPE_CORDON;
              case "uncordon" -> NodeActionType.NODE_ACTION_TYPE_UNCORDON;
              case "drain" -> NodeActionType.NODE_ACTION_TYPE_DRAIN;
              default -> throw notServed(request);
            };
        NodeActionRequest.Builder action =
            NodeActionRequest.newBuilder()
                .setNodeName(path.name())
                .setAction(type)
                .setIgnoreDaemonSets(
                    request.flag("ignoreDaemonSets")
                        || Boolean.TRUE.equals(body.get("ignoreDaemonSets")));
        long grace = ObjectJson.longAt(body, "gracePeriodSeconds", -1);
        if (grace >= 0) {
          action.setGracePeriodSeconds(grace);
        }
        stub.nodeAction(
            action.build(),
            answer(
                reply,
                200,
                response -> {
                  Map<String, java.lang.Object> out = new LinkedHashMap<>();
                  out.put("node", ObjectJson.tree(Kinds.wrap(response.getNode())));
                  out.put("evictedPods", references(response.getEvictedPodsList()));
                  out.put("waitingPods", references(response.getWaitingPodsList()));
                  return out;
                }));
      }
      case KIND_POD -> {
        if (!sub.equals("eviction")) {
          throw notServed(request);
        }
        EvictRequest.Builder evict =
            EvictRequest.newBuilder().setNamespace(path.namespace()).setName(path.name());
        long grace = ObjectJson.longAt(body, "deleteOptions.gracePeriodSeconds", -1);
        if (grace >= 0) {
          evict.setGracePeriodSeconds(grace);
        }
        stub.evict(
            evict.build(),
            answer(reply, 201, response -> ObjectJson.tree(Kinds.wrap(response.getPod()))));
      }
      default -> throw notServed(request);
    }
  }

  private static List<java.lang.Object> references(List<dev.drover.api.v1.ObjectReference> refs) {
    List<java.lang.Object> out = new ArrayList<>();
    refs.forEach(ref -> out.add(ObjectJson.reference(ref)));
    return out;
  }
}
