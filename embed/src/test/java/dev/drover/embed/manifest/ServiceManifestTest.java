package dev.drover.embed.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.LoadBalancing;
import dev.drover.api.v1.ProxyProtocol;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServiceType;
import dev.drover.api.v1.SessionAffinity;
import org.junit.jupiter.api.Test;

/** The service proxy's Service fields read from Kubernetes-shaped YAML (docs/SERVICES.md). */
class ServiceManifestTest {

  @Test
  void readsAffinityProxyProtocolAndBalancing() throws Exception {
    String yaml =
        """
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          type: NodePort
          selector:
            app: web
          sessionAffinity: ClientIP
          sessionAffinityTimeoutSeconds: 600
          proxyProtocol: V2
          loadBalancing: LeastConnections
          ports:
          - name: http
            port: 80
            targetPort: http
            nodePort: 30080
        """;
    Service svc =
        new ManifestParser().parse("web.yaml", yaml).objects().get(0).object().getService();
    assertThat(svc.getSpec().getType()).isEqualTo(ServiceType.SERVICE_TYPE_NODE_PORT);
    assertThat(svc.getSpec().getSessionAffinity())
        .isEqualTo(SessionAffinity.SESSION_AFFINITY_CLIENT_IP);
    assertThat(svc.getSpec().getSessionAffinityTimeoutSeconds()).isEqualTo(600);
    assertThat(svc.getSpec().getProxyProtocol()).isEqualTo(ProxyProtocol.PROXY_PROTOCOL_V2);
    assertThat(svc.getSpec().getLoadBalancing())
        .isEqualTo(LoadBalancing.LOAD_BALANCING_LEAST_CONNECTIONS);
    assertThat(svc.getSpec().getPorts(0).getTargetPort().getStringValue()).isEqualTo("http");
    assertThat(svc.getSpec().getPorts(0).getNodePort()).isEqualTo(30080);
  }
}
