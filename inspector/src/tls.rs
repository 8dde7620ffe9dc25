//! https: a rustls client (ring provider, TLS 1.2 and 1.3, ALPN `http/1.1`) and the stream the
//! fetch reads, plain or encrypted.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::fetch::{FetchError, Tls};

/// The client configuration for `tls`: the roots it names (`cacert`: that file's certificates
/// only, as curl's `--cacert`; else the system's store, else Mozilla's set compiled in), or no
/// certificate check at all (`insecure`; the handshake's signatures are still verified).
pub(crate) fn client_config(tls: &Tls) -> Result<Arc<ClientConfig>, FetchError> {
    // ring, not rustls's default aws-lc-rs (which needs cmake and nasm to build); rustls
    // 0.23.48 marks ring's provider deprecated for its lack of post-quantum key exchange,
    // which a stream inspector does not need.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| FetchError::Tls(e.to_string()))?;
    let mut config = if tls.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth()
    } else {
        builder
            .with_root_certificates(roots(tls)?)
            .with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn roots(tls: &Tls) -> Result<RootCertStore, FetchError> {
    let mut roots = RootCertStore::empty();
    if let Some(path) = &tls.cacert {
        let shown = path.display();
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|e| FetchError::Tls(format!("--cacert {shown}: {e}")))?;
        for cert in certs {
            let cert = cert.map_err(|e| FetchError::Tls(format!("--cacert {shown}: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| FetchError::Tls(format!("--cacert {shown}: {e}")))?;
        }
        if roots.is_empty() {
            return Err(FetchError::Tls(format!(
                "--cacert {shown}: no PEM certificate in the file"
            )));
        }
    } else {
        let native = rustls_native_certs::load_native_certs();
        let (added, _) = roots.add_parsable_certificates(native.certs);
        if added == 0 {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
    }
    Ok(roots)
}

/// `-k`: any certificate for any name is accepted; the handshake signatures are checked with
/// the provider's algorithms, so the connection is still encrypted to whoever answered.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The connection a fetch reads: plain TCP or TLS over it.
pub(crate) enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<ClientConnection, TcpStream>>),
}

impl Conn {
    /// Opens TLS over `tcp` with SNI `host` (none for an IP address, which is checked against
    /// the certificate's IP addresses instead) and completes the handshake.
    pub(crate) fn tls(
        config: Arc<ClientConfig>,
        host: &str,
        mut tcp: TcpStream,
    ) -> Result<Conn, FetchError> {
        let name = ServerName::try_from(host.trim_matches(['[', ']']).to_owned())
            .map_err(|e| FetchError::Tls(format!("{host}: {e}")))?;
        let mut conn =
            ClientConnection::new(config, name).map_err(|e| FetchError::Tls(e.to_string()))?;
        while conn.is_handshaking() {
            conn.complete_io(&mut tcp)
                .map_err(|e| FetchError::Tls(format!("handshake with {host}: {e}")))?;
        }
        Ok(Conn::Tls(Box::new(rustls::StreamOwned::new(conn, tcp))))
    }

    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            Conn::Plain(s) => s,
            Conn::Tls(s) => &s.sock,
        }
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}
