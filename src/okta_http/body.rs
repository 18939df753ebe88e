//! Reading a response body with a size cap, streaming, so an oversized
//! answer is refused without being held in memory.

use futures::StreamExt;

#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error(
        "Okta's response is larger than the {limit}-byte limit (OKTA_MAX_RESPONSE_BYTES); narrow the request (limit, filter, fields)"
    )]
    TooLarge { limit: usize },
    #[error("reading Okta's response failed: {0}")]
    Read(String),
}

/// Reads at most `limit` bytes of `stream`.
pub async fn read_limited<S, B, E>(mut stream: S, limit: usize) -> Result<Vec<u8>, BodyError>
where
    S: futures::Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| BodyError::Read(e.to_string()))?;
        if out.len() + chunk.as_ref().len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        out.extend_from_slice(chunk.as_ref());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stops_at_the_limit() {
        let chunks =
            futures::stream::iter(vec![Ok::<_, String>(vec![0u8; 600]), Ok(vec![0u8; 600])]);
        assert!(matches!(
            read_limited(chunks, 1000).await,
            Err(BodyError::TooLarge { limit: 1000 })
        ));
        let chunks = futures::stream::iter(vec![Ok::<_, String>(vec![1u8; 10])]);
        assert_eq!(read_limited(chunks, 1000).await.unwrap().len(), 10);
    }
}
