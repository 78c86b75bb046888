package dev.drover.master.controller.endpoints;

import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerPort;
import dev.drover.api.v1.EndpointAddress;
import dev.drover.api.v1.EndpointPort;
import dev.drover.api.v1.EndpointSubset;
import dev.drover.api.v1.Endpoints;
import dev.drover.api.v1.HostPortAllocation;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.Protocol;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServicePort;
import dev.drover.master.controller.Controller;
import dev.drover.master.controller.ControllerContext;
import dev.drover.master.controller.DeleteOptions;
import dev.drover.master.controller.Pods;
import dev.drover.master.controller.ResourceHandler;
import dev.drover.master.controller.Selectors;
import dev.drover.master.controller.WriteException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maintains the Endpoints object of every Service with a selector: one address per matching pod
 * that runs on a node (the pod's host IP, since pods publish through host ports), ready pods in
 * {@code addresses} and the others in {@code not_ready_addresses}, and per service port the host
 * port the node allocated for the targeted container port ({@code PodStatus.host_ports}). Pods
 * whose ports differ land in different subsets. The Endpoints object is written only when its
 * content changes, and deleted with its Service. A headless Service (clusterIP None) lists its pods
 * by their own IP and container port instead, each under its hostname (a StatefulSet pod's name).
 * Every address also carries the pod's own IP ({@code pod_ip}) and every port the container port
 * ({@code target_port}), which the proxy on the pod's own node dials instead of the host port.
 */
public final class EndpointsController extends Controller {
  /** Per service key, the missing target ports already reported by an event. */
  private final Map<String, Set<String>> reported = new ConcurrentHashMap<>();

  /** Creates the controller and registers its handlers. */
  public EndpointsController(ControllerContext context, int workers, Duration resync) {
    super("endpoints-controller", context, workers, resync);
    cache.addHandler(Kind.KIND_SERVICE, primaryHandler(s -> {}));
    cache.addHandler(
        Kind.KIND_ENDPOINTS,
        new ResourceHandler() {
          @Override
          public void onUpdate(Message oldObject, Message newObject) {
            enqueue(newObject);
          }

          @Override
          public void onDelete(Message lastState) {
            enqueue(lastState);
          }
        });
    cache.addHandler(Kind.KIND_POD, ResourceHandler.onAnyChange(this::enqueueServices));
  }

  /** Creates the controller with two workers and a 30 s resync. */
  public EndpointsController(ControllerContext context) {
    this(context, 2, Duration.ofSeconds(30));
  }

  private void enqueueServices(Message pod) {
    ObjectMeta meta = ApiObjects.meta(pod);
    for (Service svc : cache.<Service>list(Kind.KIND_SERVICE, meta.getNamespace(), null)) {
      Map<String, String> selector = svc.getSpec().getSelectorMap();
      if (!selector.isEmpty()
          && Selectors.matches(ApiObjects.selectorOf(selector), meta.getLabelsMap())) {
        enqueue(svc);
      }
    }
  }

  @Override
  protected List<String> allKeys() {
    return cache.<Service>list(Kind.KIND_SERVICE, "", null).stream().map(ApiObjects::key).toList();
  }

  @Override
  protected void sync(String key) {
    String namespace = ApiObjects.namespaceOf(key);
    String name = ApiObjects.nameOf(key);
    Optional<Service> found = cache.get(Kind.KIND_SERVICE, namespace, name);
    Optional<Endpoints> existing = cache.get(Kind.KIND_ENDPOINTS, namespace, name);
    if (found.isEmpty()) {
      reported.remove(key);
      existing.ifPresent(e -> deleteEndpoints(namespace, name));
      return;
    }
    Service svc = found.get();
    if (svc.getSpec().getSelectorMap().isEmpty()) {
      return;
    }
    List<EndpointSubset> subsets = subsets(svc);
    if (existing.isEmpty()) {
      writer.create(
          Endpoints.newBuilder()
              .setMetadata(
                  ObjectMeta.newBuilder()
                      .setNamespace(namespace)
                      .setName(name)
                      .putAllLabels(svc.getMetadata().getLabelsMap()))
              .addAllSubsets(subsets)
              .build());
    } else if (!existing.get().getSubsetsList().equals(subsets)
        || !existing.get().getMetadata().getLabelsMap().equals(svc.getMetadata().getLabelsMap())) {
      Endpoints current = existing.get();
      writer.update(
          current.toBuilder()
              .setMetadata(
                  current.getMetadata().toBuilder()
                      .clearLabels()
                      .putAllLabels(svc.getMetadata().getLabelsMap()))
              .clearSubsets()
              .addAllSubsets(subsets)
              .build());
    }
  }

  private void deleteEndpoints(String namespace, String name) {
    try {
      writer.delete(Kind.KIND_ENDPOINTS, namespace, name, DeleteOptions.background());
    } catch (WriteException e) {
      if (e.reason() != WriteException.Reason.NOT_FOUND) {
        throw e;
      }
    }
  }

  private record Group(
      List<EndpointPort> ports, List<EndpointAddress> ready, List<EndpointAddress> notReady) {}

  /** The subsets for a service, in a deterministic order so that equal content compares equal. */
  List<EndpointSubset> subsets(Service svc) {
    Map<String, Group> groups = new TreeMap<>();
    List<String> missing = new ArrayList<>();
    List<Pod> pods =
        cache.list(
            Kind.KIND_POD,
            svc.getMetadata().getNamespace(),
            ApiObjects.selectorOf(svc.getSpec().getSelectorMap()));
    for (Pod pod : pods) {
      if (pod.getMetadata().hasDeletionTime()
          || Pods.isFinished(pod)
          || pod.getStatus().getHostIp().isEmpty()) {
        continue;
      }
      List<EndpointPort> ports = new ArrayList<>();
      for (int i = 0; i < svc.getSpec().getPortsCount(); i++) {
        ServicePort sp = svc.getSpec().getPorts(i);
        if (missingNamedPort(sp, pod)) {
          missing.add(
              "spec.ports["
                  + i
                  + "].targetPort: no container of pod "
                  + pod.getMetadata().getName()
                  + " declares a port named \""
                  + sp.getTargetPort().getStringValue()
                  + "\"");
        }
        Optional<Integer> containerPort = resolveContainerPort(sp, pod);
        (headless(svc) ? containerPort : resolveHostPort(sp, pod))
            .ifPresent(
                port ->
                    ports.add(
                        EndpointPort.newBuilder()
                            .setName(sp.getName())
                            .setPort(port)
                            .setProtocol(normalize(sp.getProtocol()))
                            .setTargetPort(containerPort.orElse(0))
                            .build()));
      }
      if (ports.isEmpty()) {
        continue;
      }
      Group group =
          groups.computeIfAbsent(
              ports.toString(), k -> new Group(ports, new ArrayList<>(), new ArrayList<>()));
      EndpointAddress address =
          EndpointAddress.newBuilder()
              .setIp(
                  headless(svc) && !pod.getStatus().getPodIp().isEmpty()
                      ? pod.getStatus().getPodIp()
                      : pod.getStatus().getHostIp())
              .setNodeName(pod.getSpec().getNodeName())
              .setPodIp(pod.getStatus().getPodIp())
              .setHostname(
                  pod.getSpec().getHostname().isEmpty()
                      ? pod.getMetadata().getName()
                      : pod.getSpec().getHostname())
              .setTargetRef(ApiObjects.reference(pod).toBuilder().clearResourceVersion())
              .build();
      (Pods.isReady(pod) ? group.ready() : group.notReady()).add(address);
    }
    Comparator<EndpointAddress> order =
        Comparator.comparing(EndpointAddress::getIp).thenComparing(a -> a.getTargetRef().getName());
    List<EndpointSubset> subsets = new ArrayList<>();
    for (Group g : groups.values()) {
      g.ready().sort(order);
      g.notReady().sort(order);
      subsets.add(
          EndpointSubset.newBuilder()
              .addAllAddresses(g.ready())
              .addAllNotReadyAddresses(g.notReady())
              .addAllPorts(g.ports())
              .build());
    }
    reportMissingPorts(svc, missing);
    return subsets;
  }

  /**
   * Warns once per service and problem that a named target port matches no container port: pods
   * come after their service, so this is an event rather than a validation error.
   */
  private void reportMissingPorts(Service svc, List<String> missing) {
    String key = ApiObjects.key(svc);
    Set<String> before = reported.getOrDefault(key, Set.of());
    Set<String> now = new HashSet<>(missing);
    if (now.isEmpty()) {
      reported.remove(key);
      return;
    }
    for (String problem : now) {
      if (!before.contains(problem)) {
        events.warning(svc, "TargetPortNotFound", problem);
      }
    }
    reported.put(key, now);
  }

  private static boolean missingNamedPort(ServicePort sp, Pod pod) {
    IntOrString target = sp.getTargetPort();
    return target.getValueCase() == IntOrString.ValueCase.STRING_VALUE
        && !target.getStringValue().isEmpty()
        && findPort(
                pod, p -> p.getName().equals(target.getStringValue()), normalize(sp.getProtocol()))
            == null;
  }

  private static Protocol normalize(Protocol p) {
    return p == Protocol.PROTOCOL_UNSPECIFIED ? Protocol.PROTOCOL_TCP : p;
  }

  /**
   * True for a headless service (clusterIP None): no proxy stands in front of it, so its addresses
   * are the pods' own IPs and container ports, as clients reach them by pod name.
   */
  static boolean headless(Service svc) {
    return svc.getSpec().getClusterIp().equals("None");
  }

  /** The container port a service port targets in the pod, or empty when it names none. */
  static Optional<Integer> resolveContainerPort(ServicePort sp, Pod pod) {
    IntOrString target = sp.getTargetPort();
    if (target.getValueCase() == IntOrString.ValueCase.STRING_VALUE
        && !target.getStringValue().isEmpty()) {
      ContainerPort declared =
          findPort(
              pod, p -> p.getName().equals(target.getStringValue()), normalize(sp.getProtocol()));
      return declared == null ? Optional.empty() : Optional.of(declared.getContainerPort());
    }
    return Optional.of(
        target.getValueCase() == IntOrString.ValueCase.INT_VALUE && target.getIntValue() != 0
            ? target.getIntValue()
            : sp.getPort());
  }

  /** The host port that reaches the service port's target in the pod, if the pod has one. */
  static Optional<Integer> resolveHostPort(ServicePort sp, Pod pod) {
    Protocol protocol = normalize(sp.getProtocol());
    IntOrString target = sp.getTargetPort();
    int containerPort;
    ContainerPort declared = null;
    if (target.getValueCase() == IntOrString.ValueCase.STRING_VALUE
        && !target.getStringValue().isEmpty()) {
      declared = findPort(pod, p -> p.getName().equals(target.getStringValue()), protocol);
      if (declared == null) {
        return Optional.empty();
      }
      containerPort = declared.getContainerPort();
    } else {
      containerPort =
          target.getValueCase() == IntOrString.ValueCase.INT_VALUE && target.getIntValue() != 0
              ? target.getIntValue()
              : sp.getPort();
      declared = findPort(pod, p -> p.getContainerPort() == containerPort, protocol);
    }
    for (HostPortAllocation a : pod.getStatus().getHostPortsList()) {
      if (a.getContainerPort() == containerPort
          && normalize(a.getProtocol()) == protocol
          && a.getHostPort() != 0) {
        return Optional.of(a.getHostPort());
      }
    }
    if (declared != null && declared.getHostPort() != 0) {
      return Optional.of(declared.getHostPort());
    }
    return Optional.empty();
  }

  private static ContainerPort findPort(
      Pod pod, java.util.function.Predicate<ContainerPort> match, Protocol protocol) {
    for (Container c : pod.getSpec().getContainersList()) {
      for (ContainerPort p : c.getPortsList()) {
        if (match.test(p) && normalize(p.getProtocol()) == protocol) {
          return p;
        }
      }
    }
    return null;
  }
}
