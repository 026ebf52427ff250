import requests
from datetime import datetime, timedelta

class MarketingAnalyticsAPI:
    def __init__(self, base_url, api_token):
        self.base_url = base_url
        self.headers = {
            'Authorization': f'Bearer {api_token}',
            'Content-Type': 'application/json'
        }
    
    def query_dashboard(self, metrics, start_time, end_time, granularity=3600):
        payload = {
            'metrics': metrics,
            'time_range': {
                'start': start_time.isoformat(),
                'end': end_time.isoformat()
            },
            'granularity': granularity
        }
        
        response = requests.post(
            f'{self.base_url}/query/dashboard',
            json=payload,
            headers=self.headers
        )
        
        return response.json()
    
    def upload_data(self, data_type, data, batch_id=None):
        payload = {
            'data_type': data_type,
            'data': data,
            'batch_id': batch_id
        }
        
        response = requests.post(
            f'{self.base_url}/data/upload',
            json=payload,
            headers=self.headers
        )
        
        return response.json()

# Usage example
api = MarketingAnalyticsAPI(
    'https://api.marketing-analytics.crtx.in/v1',
    'your_jwt_token'
)

metrics = [
    {
        'name': 'total_spend',
        'data_type': 'meta_ads',
        'dimensions': ['campaign_name'],
        'aggregation_type': 'sum'
    }
]

end_time = datetime.now()
start_time = end_time - timedelta(days=1)

result = api.query_dashboard(metrics, start_time, end_time)
print(f"Query completed in {result['metadata']['query_time']:.3f}s")
