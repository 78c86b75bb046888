package dev.drover.master.security;

import dev.drover.master.auth.CertificateIdentity;
import dev.drover.master.auth.Principal;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The cluster CA: a self-signed EC P-256 certificate and its key, which sign every master, node and
 * admin certificate of the cluster. Issued certificates name their holder in the subject ({@link
 * CertificateIdentity}) and carry the addresses they serve on as SANs; every one is good for both
 * TLS server and client use, since masters and agents are both.
 */
public final class CertificateAuthority {
  private static final SecureRandom RANDOM = new SecureRandom();
  // Clocks of hosts differ a little: a certificate is valid from a minute before it was signed.
  private static final Duration BACKDATE = Duration.ofMinutes(1);

  private final X509Certificate certificate;
  private final PrivateKey key;

  /** A CA from its certificate and key (loaded from disk or the store). */
  public CertificateAuthority(X509Certificate certificate, PrivateKey key) {
    this.certificate = certificate;
    this.key = key;
  }

  /** A new self-signed CA named {@code name}, valid for {@code lifetime}. */
  public static CertificateAuthority create(String name, Duration lifetime) {
    KeyPair pair = newKeyPair();
    Instant now = Instant.now();
    X500Name subject = new X500Name("CN=" + name);
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              subject,
              serial(),
              Date.from(now.minus(BACKDATE)),
              Date.from(now.plus(lifetime)),
              subject,
              pair.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(
          Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
      return new CertificateAuthority(sign(b, pair.getPrivate()), pair.getPrivate());
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot create the cluster CA: " + e.getMessage(), e);
    }
  }

  /** A new EC P-256 key pair (generated where its private key will live). */
  public static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The CA certificate. */
  public X509Certificate certificate() {
    return certificate;
  }

  /** The CA's private key. */
  public PrivateKey key() {
    return key;
  }

  /** Signs a certificate for {@code holder}'s {@code key}, valid from now for {@code lifetime}. */
  public X509Certificate issue(
      PublicKey key, Principal holder, Collection<String> addresses, Duration lifetime) {
    Instant now = Instant.now();
    Duration back =
        lifetime.dividedBy(10).compareTo(BACKDATE) < 0 ? lifetime.dividedBy(10) : BACKDATE;
    return issue(key, holder, addresses, now.minus(back), now.plus(lifetime));
  }

  /** Signs a certificate valid from {@code notBefore} to {@code notAfter} (tests: expired ones). */
  public X509Certificate issue(
      PublicKey key,
      Principal holder,
      Collection<String> addresses,
      Instant notBefore,
      Instant notAfter) {
    if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
      notAfter = certificate.getNotAfter().toInstant();
    }
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              certificate,
              serial(),
              Date.from(notBefore),
              Date.from(notAfter),
              new X500Name(CertificateIdentity.subject(holder)),
              key);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      b.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      b.addExtension(
          Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
      List<GeneralName> names = new ArrayList<>();
      for (String address : new LinkedHashSet<>(addresses)) {
        names.add(generalName(address));
      }
      if (!names.isEmpty()) {
        b.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(names.toArray(new GeneralName[0])));
      }
      return sign(b, this.key);
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot sign a certificate: " + e.getMessage(), e);
    }
  }

  private static GeneralName generalName(String address) {
    // Literal addresses become IP SANs; anything else is a DNS name (never resolved here).
    if (address.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") || address.contains(":")) {
      return new GeneralName(GeneralName.iPAddress, address);
    }
    return new GeneralName(GeneralName.dNSName, address);
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }
}
