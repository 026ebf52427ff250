const axios = require('axios');

class MarketingAnalyticsAPI {
  constructor(baseUrl, apiToken) {
    this.baseUrl = baseUrl;
    this.headers = {
      'Authorization': `Bearer ${apiToken}`,
      'Content-Type': 'application/json'
    };
  }

  async queryDashboard(metrics, startTime, endTime, granularity = 3600) {
    const payload = {
      metrics: metrics,
      time_range: {
        start: startTime.toISOString(),
        end: endTime.toISOString()
      },
      granularity: granularity
    };

    try {
      const response = await axios.post(
        `${this.baseUrl}/query/dashboard`,
        payload,
        { headers: this.headers }
      );
      
      return response.data;
    } catch (error) {
      throw new Error(`API Error: ${error.response.data.message}`);
    }
  }

  async uploadData(dataType, data, batchId = null) {
    const payload = {
      data_type: dataType,
      data: data,
      batch_id: batchId
    };

    try {
      const response = await axios.post(
        `${this.baseUrl}/data/upload`,
        payload,
        { headers: this.headers }
      );
      
      return response.data;
    } catch (error) {
      throw new Error(`Upload Error: ${error.response.data.message}`);
    }
  }
}

// Usage example
const api = new MarketingAnalyticsAPI(
  'https://api.marketing-analytics.crtx.in/v1',
  'your_jwt_token'
);

const metrics = [{
  name: 'total_spend',
  data_type: 'meta_ads',
  dimensions: ['campaign_name'],
  aggregation_type: 'sum'
}];

const endTime = new Date();
const startTime = new Date(endTime.getTime() - 24 * 60 * 60 * 1000);

api.queryDashboard(metrics, startTime, endTime)
  .then(result => {
    console.log(`Query completed in ${result.metadata.query_time}s`);
    console.log('Data:', result.data);
  })
  .catch(error => {
    console.error('Error:', error.message);
  });
